"""What the Twilio routes let in once is remembered in the shared database, on both engines."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.voicebot.storage.test_writer import hold_lock
from voicebot.records.admissions import StoredAdmissions
from voicebot.storage import open_database


def test_a_key_is_let_in_once_until_it_expires(database_url: str) -> None:
    now = [1000.0]
    database = open_database(database_url)
    try:
        seen = StoredAdmissions(database, clock=lambda: now[0])
        assert seen.first_time("call:CA1", 60)
        assert not seen.first_time("call:CA1", 60)
        assert seen.first_time("call:CA2", 60)
        now[0] += 61
        assert seen.first_time("call:CA1", 60)
    finally:
        database.close()


def test_two_processes_racing_on_one_key_let_it_in_once(database_url: str) -> None:
    """Each thread opens its own connection, as two service processes would."""
    databases = [open_database(database_url) for _ in range(4)]
    barrier = threading.Barrier(len(databases))
    answers: list[bool] = []

    def race(index: int) -> None:
        barrier.wait()
        answers.append(StoredAdmissions(databases[index]).first_time("stream:CA9", 60))

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(databases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for database in databases:
        database.close()
    assert sorted(answers) == [False, False, False, True]


def test_a_locked_database_delays_a_caller_but_never_refuses_one(tmp_path: Path) -> None:
    """A webhook while another process holds the SQLite file: waited for while it is brief,
    then remembered by this process (a repeat is still refused, during and after)."""
    database = open_database(f"sqlite:///{tmp_path / 'voicebot.db'}")
    try:
        seen = StoredAdmissions(database, patience=2.5)
        brief = hold_lock(tmp_path / "voicebot.db", 1.0)
        assert seen.first_time("call:CA1", 60)  # waited for the lock, then stored
        brief.join()
        assert not seen._held("call:CA1")
        long = hold_lock(tmp_path / "voicebot.db", 5.0)
        assert seen.first_time("call:CA2", 60)  # remembered by this process
        assert not seen.first_time("call:CA2", 60)
        long.join()
        assert not seen.first_time("call:CA1", 60)
        assert not seen.first_time("call:CA2", 60)  # not let in again once the database is back
    finally:
        database.close()
