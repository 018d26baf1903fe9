"""The storage interface behaves the same on SQLite and PostgreSQL: placeholders, errors,
savepoints, and change notices delivered once committed."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import unused_port
from tests.postgres import PostgresServer
from voicebot.errors import DuplicateKey, StorageError, StorageUnavailable
from voicebot.storage import EVERYTHING, Database, open_database


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    opened = open_database(database_url)
    yield opened
    opened.close()


class Heard:
    """A listener that remembers payloads and lets a test wait for them."""

    def __init__(self) -> None:
        self.payloads: list[str] = []
        self._arrived = threading.Condition()

    def __call__(self, payload: str) -> None:
        with self._arrived:
            self.payloads.append(payload)
            self._arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[str]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.payloads) >= count, timeout)
            return list(self.payloads)


def add_session(database: Database, key: str) -> None:
    with database.transaction() as conn:
        conn.execute("INSERT INTO sessions (id, username, created_at, expires_at) "
                     "VALUES (?, ?, ?, ?)", (key, "alice", 0.0, 1.0))


def session_keys(database: Database) -> list[str]:
    with database.transaction(write=False) as conn:
        return [r["id"] for r in conn.execute("SELECT id FROM sessions ORDER BY id")]


def test_question_marks_and_percent_signs_mean_the_same_on_both(database: Database) -> None:
    with database.transaction() as conn:
        row = conn.execute("SELECT '100% sure? yes' AS said, ? AS given, ? AS number",
                           ("50%? ok", 7)).fetchone()
    assert (row["said"], row["given"], row["number"]) == ("100% sure? yes", "50%? ok", 7)


def test_a_duplicate_key_is_its_own_error_and_undoes_the_transaction(
        database: Database) -> None:
    add_session(database, "k1")
    with pytest.raises(DuplicateKey), database.transaction() as conn:
        conn.execute("INSERT INTO sessions (id, username, created_at, expires_at) "
                     "VALUES (?, ?, ?, ?)", ("k2", "bob", 0.0, 1.0))
        conn.execute("INSERT INTO sessions (id, username, created_at, expires_at) "
                     "VALUES (?, ?, ?, ?)", ("k1", "bob", 0.0, 1.0))
    assert session_keys(database) == ["k1"]


def test_a_bad_statement_is_not_mistaken_for_an_outage(database: Database) -> None:
    with pytest.raises(StorageError) as raised, database.transaction() as conn:
        conn.execute("SELECT nothing FROM nowhere")
    assert not isinstance(raised.value, StorageUnavailable)


def test_a_savepoint_undoes_only_its_own_part(database: Database) -> None:
    with database.transaction() as conn:
        conn.execute("INSERT INTO sessions (id, username, created_at, expires_at) "
                     "VALUES ('a', 'x', 0, 1)")
        with pytest.raises(DuplicateKey), conn.savepoint():
            conn.execute("INSERT INTO sessions (id, username, created_at, expires_at) "
                         "VALUES ('b', 'x', 0, 1)")
            conn.execute("INSERT INTO sessions (id, username, created_at, expires_at) "
                         "VALUES ('a', 'x', 0, 1)")
        conn.execute("INSERT INTO sessions (id, username, created_at, expires_at) "
                     "VALUES ('c', 'x', 0, 1)")
    assert session_keys(database) == ["a", "c"]


def test_notices_arrive_once_committed_never_after_a_rollback(database: Database) -> None:
    heard = Heard()
    stop = database.listen("voicebot_test", heard)
    with database.transaction() as conn:
        conn.notify("voicebot_test", "first")
        conn.notify("voicebot_test", "first")  # the same notice twice in one transaction: once
        assert heard.payloads == []  # not before the commit
    with pytest.raises(RuntimeError), database.transaction() as conn:
        conn.notify("voicebot_test", "rolled back")
        raise RuntimeError("changed my mind")
    database.notify("voicebot_test", "second")
    assert heard.wait_for(2) == ["first", "second"]
    stop()
    database.notify("voicebot_test", "unheard")
    assert heard.wait_for(3, timeout=0.5) == ["first", "second"]


def test_postgres_notices_reach_every_process(postgres: PostgresServer) -> None:
    url = postgres.create_database()
    here, there = open_database(url), open_database(url)
    try:
        heard = Heard()
        there.listen("voicebot_test", heard)
        here.notify("voicebot_test", "CA1")
        assert heard.wait_for(1) == ["CA1"]
        # The listening connection is cut (a server restart, a proxy timeout): the listener is
        # told that notices may have been missed, and hears the next ones.
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE query LIKE 'LISTEN%'")
        assert heard.wait_for(2, timeout=10) == ["CA1", EVERYTHING]
        here.notify("voicebot_test", "CA2")
        assert heard.wait_for(3) == ["CA1", EVERYTHING, "CA2"]
    finally:
        here.close()
        there.close()


def test_a_locked_sqlite_file_is_an_outage(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'v.db'}")
    holder = sqlite3.connect(tmp_path / "v.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageUnavailable), database.transaction() as conn:
            conn.execute("DELETE FROM sessions")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        database.close()


def test_an_unreachable_server_is_an_outage() -> None:
    with pytest.raises(StorageUnavailable):
        open_database(f"postgresql://postgres@127.0.0.1:{unused_port()}/voicebot")
