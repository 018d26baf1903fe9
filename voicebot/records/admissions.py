"""What the Twilio routes have let in already, kept in the shared database.

A signed webhook, a call's voice webhook and a call's media stream are each let in once. Behind
a proxy the repeat may reach another process, so the memory of what was admitted lives where
every process sees it. One conditional insert decides, so two processes racing on the same key
cannot both win. Expired keys are deleted by retention (``voicebot.records.retention``).

A caller must not be refused because the database is busy: while it is locked or unreachable
the insert is retried for a few seconds (Twilio waits 15 s for a webhook), and past that this
process remembers the key itself, so a repeat to the same process is still refused; only a
repeat reaching another process during the outage could get in.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from voicebot.errors import StorageUnavailable
from voicebot.storage import Database

_LOGGER = logging.getLogger(__name__)
PATIENCE_SECONDS = 6.0


class StoredAdmissions:
    """``telephony.twilio.admission.Seen`` over the service's database; calls block."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time,
                 patience: float = PATIENCE_SECONDS,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.database = database
        self._clock = clock
        self._patience = patience
        self._sleep = sleep
        self._remembered: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_time(self, key: str, keep: float) -> bool:
        if self._held(key):
            return False  # let in while the database was away, and seen again
        started, delay = time.monotonic(), 0.05
        while True:
            try:
                return self._insert(key, keep)
            except StorageUnavailable as err:
                if time.monotonic() - started >= self._patience:
                    _LOGGER.warning("admissions: the database is unavailable (%s); this "
                                    "process remembers the key itself", err.message)
                    return self._remember(key, keep)
                self._sleep(delay)
                delay = min(delay * 2, 1.0)

    def _insert(self, key: str, keep: float) -> bool:
        now = self._clock()
        with self.database.transaction() as conn:
            conn.execute("DELETE FROM admissions WHERE key = ? AND until <= ?", (key, now))
            inserted = conn.execute(
                "INSERT INTO admissions (key, until) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (key, now + keep)).rowcount
        return bool(inserted)

    def _held(self, key: str) -> bool:
        with self._lock:
            return self._remembered.get(key, 0.0) > self._clock()

    def _remember(self, key: str, keep: float) -> bool:
        now = self._clock()
        with self._lock:
            for old in [k for k, until in self._remembered.items() if until <= now]:
                del self._remembered[old]
            if key in self._remembered:
                return False
            self._remembered[key] = now + keep
            return True
