"""Cases the bot opens for residents (missed bins), kept in the service's SQLite database."""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    reference TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    uprn TEXT NOT NULL,
    detail TEXT NOT NULL,
    call_sid TEXT,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_uprn ON cases (uprn, kind, created);
"""


@dataclass(frozen=True)
class Case:
    reference: str
    kind: str
    uprn: str
    detail: str
    created: float


class CaseStore:
    """Opens and finds cases; references are 8 digits, easy to read back on the phone."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(SCHEMA)

    def open(self, kind: str, uprn: str, detail: str, call_sid: str = "") -> Case:
        with self._lock:
            while True:
                reference = str(secrets.randbelow(90_000_000) + 10_000_000)
                try:
                    created = time.time()
                    self._conn.execute(
                        "INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?)",
                        (reference, kind, uprn, detail, call_sid, created),
                    )
                    return Case(reference, kind, uprn, detail, created)
                except sqlite3.IntegrityError:
                    continue

    def recent(self, kind: str, uprn: str, detail: str, since: float) -> Case | None:
        """An open case of the same kind for the same property, so it is not reported twice."""
        with self._lock:
            row = self._conn.execute(
                "SELECT reference, kind, uprn, detail, created FROM cases "
                "WHERE kind = ? AND uprn = ? AND detail = ? AND created >= ? "
                "ORDER BY created DESC LIMIT 1",
                (kind, uprn, detail, since),
            ).fetchone()
        return Case(*row) if row else None

    def get(self, reference: str) -> Case | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT reference, kind, uprn, detail, created FROM cases WHERE reference = ?",
                (reference,),
            ).fetchone()
        return Case(*row) if row else None

    def close(self) -> None:
        with self._lock:
            self._conn.close()
