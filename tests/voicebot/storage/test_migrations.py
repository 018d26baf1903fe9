"""Schema migrations: run at start-up on both engines, safe when processes start together, and
an existing SQLite file from before migrations keeps its calls and cases."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from voicebot.council.cases import CaseStore
from voicebot.errors import StorageError
from voicebot.records import CallRecords, HandoffQueue
from voicebot.storage import Database, migrate, open_database

TABLES = {"calls", "turns", "events", "handoffs", "cases", "sessions", "outcomes", "whispers",
          "callbacks", "messages",
          "verification_failures", "admissions"}

LEGACY = Path(__file__).with_name("legacy_schema.sql")
"""The schema voicebot created (``CREATE TABLE IF NOT EXISTS``) before versioned migrations."""


def tables_and_version(database: Database) -> tuple[set[str], str]:
    with database.transaction(write=False) as conn:
        if database.dialect == "sqlite":
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        else:
            rows = conn.execute("SELECT tablename AS name FROM pg_tables "
                                "WHERE schemaname='public'").fetchall()
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return {r["name"] for r in rows}, version["version_num"]


def test_a_new_database_is_made_at_the_newest_revision(database_url: str) -> None:
    database = open_database(database_url)
    try:
        names, version = tables_and_version(database)
    finally:
        database.close()
    assert names >= TABLES
    assert version == migrate.head() != ""
    again = open_database(database_url)  # a restart finds nothing to do
    assert tables_and_version(again)[1] == version
    again.close()


def test_processes_starting_together_migrate_once(database_url: str) -> None:
    opened: list[Database] = []
    failures: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        barrier.wait()
        try:
            opened.append(open_database(database_url))
        except BaseException as err:  # reported below
            failures.append(err)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        assert tables_and_version(opened[0])[1] == migrate.head()
    finally:
        for database in opened:
            database.close()


def test_a_database_from_before_migrations_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "var" / "voicebot.db"
    path.parent.mkdir()
    with sqlite3.connect(path) as legacy:
        legacy.executescript(LEGACY.read_text())
        legacy.execute("INSERT INTO calls (sid, from_number, started_at, outcome, team, "
                       "transfer_reason, summary) VALUES ('OLD1', '+447700900123', "
                       "1709546400.0, 'transferred', 'bins', 'missed bin', 'Bins enquiry')")
        legacy.execute("INSERT INTO turns (sid, at, who, text) VALUES "
                       "('OLD1', 1709546401.0, 'caller', 'my bin was missed')")
        legacy.execute("INSERT INTO handoffs (sid, team, reason, summary, queued_at) VALUES "
                       "('OLD1', 'bins', 'missed bin', 'Bins enquiry', 1709546402.0)")
        legacy.execute("INSERT INTO cases VALUES ('12345678', 'missed-bin', '100', "
                       "'refuse 2024-03-01', 'OLD1', 1709546403.0)")
    os.chmod(path, 0o644)  # as older versions left it

    database = open_database(f"sqlite:///{path}")
    try:
        names, version = tables_and_version(database)
        assert names >= TABLES and version == migrate.head()
        records = CallRecords(database)
        call = records.get_call("OLD1")
        assert call is not None and call["turns"][0]["text"] == "my bin was missed"
        assert HandoffQueue(records).claim("OLD1", "alice")["state"] == "claimed"
        records.close()
        case = CaseStore(database).get("12345678")
        assert case is not None and case.detail == "refuse 2024-03-01"
        assert_new_outcomes_are_accepted(database)
    finally:
        database.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o755, 0o700])
def test_the_sqlite_file_and_its_companions_are_private(tmp_path: Path, mode: int) -> None:
    state = tmp_path / "state"
    if mode != 0o700:
        state.mkdir(mode=mode)  # a folder someone made already: left as it is (with a warning)
    database = open_database(f"sqlite:///{state / 'voicebot.db'}")
    CallRecords(database).close()
    try:
        files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in state.iterdir()}
    finally:
        database.close()
    assert {"voicebot.db", "voicebot.db-wal", "voicebot.db-shm"} <= set(files)
    assert set(files.values()) == {0o600}
    assert stat.S_IMODE(state.stat().st_mode) == (mode if mode != 0o700 else 0o700)


def assert_new_outcomes_are_accepted(database: Database) -> None:
    """Silent calls, calls cut by a shutdown and calls that met a fault are outcomes of their
    own; anything else is still refused by the table."""
    with database.transaction() as conn:
        for number, outcome in enumerate(("silent", "shutdown", "fault")):
            conn.execute("INSERT INTO calls (sid, started_at, outcome) VALUES (?, ?, ?)",
                         (f"NEW{number}", 1.0, outcome))
    with pytest.raises(StorageError), database.transaction() as conn:
        conn.execute("INSERT INTO calls (sid, started_at, outcome) VALUES ('BAD', 1.0, 'odd')")


def test_new_call_outcomes_are_accepted(database_url: str) -> None:
    database = open_database(database_url)
    try:
        assert_new_outcomes_are_accepted(database)
    finally:
        database.close()
