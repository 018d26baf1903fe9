"""Desktop sessions kept in the database: every process knows them, and logout ends them.

The cookie carries 256 random bits and nothing else; the table keeps only the SHA-256 of it,
so a copy of the database (a backup, a read replica) logs nobody in. A session ends at logout
(the row is deleted, so a copied cookie stops working at once, everywhere) or ``lifetime``
seconds after login; expired rows are deleted by retention. Every method blocks: call them
through ``asyncio.to_thread``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable

from voicebot.storage import Database

_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
"""What ``secrets.token_urlsafe(32)`` makes; anything else is refused without a lookup."""


class Sessions:
    """Opens, checks and ends desktop sessions."""

    def __init__(self, database: Database, *, lifetime: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.lifetime = lifetime
        self._clock = clock

    def open(self, username: str) -> str:
        """A new session for ``username``; returns the cookie value."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self.database.transaction() as conn:
            conn.execute(
                "INSERT INTO sessions (id, username, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (_key(token), username, now, now + self.lifetime))
        return token

    def username(self, token: str | None) -> str | None:
        """Who the cookie belongs to; None when it is missing, unknown, ended or expired."""
        if not token or not _TOKEN.fullmatch(token):
            return None
        with self.database.transaction(write=False) as conn:
            row = conn.execute("SELECT username FROM sessions WHERE id=? AND expires_at > ?",
                               (_key(token), self._clock())).fetchone()
        return str(row["username"]) if row else None

    def end(self, token: str | None) -> bool:
        """Log this session out everywhere; False if there was no such session."""
        if not token or not _TOKEN.fullmatch(token):
            return False
        with self.database.transaction() as conn:
            return bool(conn.execute("DELETE FROM sessions WHERE id=?", (_key(token),)).rowcount)


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()
