"""Desktop sessions in the database (both engines): unguessable, hashed, revocable, expiring."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from voicebot.records import CallRecords
from voicebot.storage import Database, open_database
from voicebot.web.sessions import Sessions

T0 = 1_709_546_400.0


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    opened = open_database(database_url)
    yield opened
    opened.close()


def stored_ids(database: Database) -> list[str]:
    with database.transaction(write=False) as conn:
        return [row["id"] for row in conn.execute("SELECT id FROM sessions")]


def test_a_session_is_known_until_logout(database: Database) -> None:
    sessions = Sessions(database, lifetime=3600)
    token = sessions.open("alice")
    other = sessions.open("alice")  # a second browser
    assert token != other and len(token) == 43
    assert sessions.username(token) == sessions.username(other) == "alice"
    assert stored_ids(database) and token not in stored_ids(database)  # only the hash is kept
    assert hashlib.sha256(token.encode()).hexdigest() in stored_ids(database)
    assert sessions.end(token) is True
    assert sessions.username(token) is None
    assert sessions.username(other) == "alice"  # logging out one browser leaves the other
    assert sessions.end(token) is False


def test_sessions_expire_and_are_purged(database: Database) -> None:
    clock = Clock()
    sessions = Sessions(database, lifetime=3600, clock=clock)
    token = sessions.open("bob")
    clock.at += 3599
    assert sessions.username(token) == "bob"
    clock.at += 2
    assert sessions.username(token) is None
    CallRecords(database, clock=clock).close()  # retention runs at start-up
    assert stored_ids(database) == []


def test_odd_cookies_are_nobody(database: Database) -> None:
    sessions = Sessions(database, lifetime=3600)
    sessions.open("alice")
    for cookie in (None, "", "x", "a" * 42, "a" * 44, "é" * 43, "a.b" * 14,
                   "' OR 1=1 --" + "a" * 32):
        assert sessions.username(cookie) is None
        assert sessions.end(cookie) is False
