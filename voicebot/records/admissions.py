"""What the Twilio routes have let in already, kept in the shared database.

A signed webhook, a call's voice webhook and a call's media stream are each let in once. Behind
a proxy the repeat may reach another process, so the memory of what was admitted lives where
every process sees it. One conditional insert decides, so two processes racing on the same key
cannot both win. Expired keys are deleted by retention (``voicebot.records.retention``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from voicebot.storage import Database


class StoredAdmissions:
    """``telephony.twilio.admission.Seen`` over the service's database; calls block."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self._clock = clock

    def first_time(self, key: str, keep: float) -> bool:
        now = self._clock()
        with self.database.transaction() as conn:
            conn.execute("DELETE FROM admissions WHERE key = ? AND until <= ?", (key, now))
            inserted = conn.execute(
                "INSERT INTO admissions (key, until) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (key, now + keep)).rowcount
        return bool(inserted)
