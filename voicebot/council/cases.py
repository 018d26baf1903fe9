"""Cases the bot opens for residents (missed bins), kept in the service's database.

Every method blocks (the database may be a server away): call them through
``asyncio.to_thread``. Cases are deleted with the call records when the retention period ends
(``voicebot.records.retention``).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voicebot.errors import StorageError
from voicebot.storage import Database, Row, open_database, sqlite_url

_COLUMNS = "reference, kind, uprn, detail, created"


@dataclass(frozen=True)
class Case:
    reference: str
    kind: str
    uprn: str
    detail: str
    created: float


class CaseStore:
    """Opens and finds cases; references are 8 digits, easy to read back on the phone.

    ``store`` is the service's shared ``Database``, or a SQLite file of the store's own.
    """

    def __init__(self, store: Database | Path, clock: Callable[[], float] = time.time) -> None:
        self._owned = not isinstance(store, Database)
        self.database = store if isinstance(store, Database) else open_database(
            sqlite_url(store))
        self._clock = clock

    def open(self, kind: str, uprn: str, detail: str, call_sid: str = "") -> Case:
        for _ in range(50):  # a clash among 90 million references is rare; fifty in a row is not
            reference = str(secrets.randbelow(90_000_000) + 10_000_000)
            created = self._clock()
            with self.database.transaction() as conn:
                inserted = conn.execute(
                    "INSERT INTO cases (reference, kind, uprn, detail, call_sid, created) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (reference) DO NOTHING",
                    (reference, kind, uprn, detail, call_sid, created)).rowcount
            if inserted:
                return Case(reference, kind, uprn, detail, created)
        raise StorageError("no-free-reference", "could not find an unused case reference")

    def recent(self, kind: str, uprn: str, detail: str, since: float) -> Case | None:
        """An open case of the same kind for the same property, so it is not reported twice."""
        with self.database.transaction(write=False) as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM cases "
                "WHERE kind = ? AND uprn = ? AND detail = ? AND created >= ? "
                "ORDER BY created DESC LIMIT 1",
                (kind, uprn, detail, since),
            ).fetchone()
        return _case(row) if row else None

    def get(self, reference: str) -> Case | None:
        with self.database.transaction(write=False) as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM cases WHERE reference = ?",
                               (reference,)).fetchone()
        return _case(row) if row else None

    def close(self) -> None:
        """Close the database if the store opened its own."""
        if self._owned:
            self.database.close()


def _case(row: Row) -> Case:
    return Case(row["reference"], row["kind"], row["uprn"], row["detail"], row["created"])
