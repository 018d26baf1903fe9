"""Call outcomes and agent whispers in the shared database, for every process.

``StoredOutcomes`` is telephony's ``OutcomeLedger`` and handoff's ``WhisperNotes``.

Twilio requests the ``<Connect action>`` and whisper URLs after the stream ends, and behind a
proxy they may reach another process than the one that held the call. The process that held it
records "started" and then the outcome (queued, so the event loop never waits); another process
reads them. The outcome holds the transfer context (redacted transcript, slots), so rows are
read only for ``keep`` seconds and deleted after a day (``retention``). A whisper is kept as its
text (keyed by a hash of the URL's token) and synthesised again by whichever process Twilio asks
for the audio.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from telephony import Outcome, TransferTarget
from telephony.twilio.outcomes import Recorded
from voicebot.storage import Connection, Database
from voicebot.storage.writer import BatchWriter, Write, WriterHealth


class StoredOutcomes:
    """The ledger of call outcomes over ``database``; ``close()`` it before the database."""

    def __init__(self, database: Database, *, keep: float = 900.0,
                 keep_whispers: float = 3600.0, clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self._keep = keep
        self._keep_whispers = keep_whispers
        self._clock = clock
        self._writer = BatchWriter(database, _apply, name="call-outcomes")

    def started(self, call_sid: str) -> None:
        self._writer.put(Write("started", (call_sid, self._clock())))

    def settled(self, call_sid: str, outcome: Outcome) -> None:
        self._writer.put(Write("settled", (call_sid, self._clock(), outcome_json(outcome))))

    async def lookup(self, call_sid: str) -> Recorded | None:
        return await asyncio.to_thread(self.recorded, call_sid)

    def recorded(self, call_sid: str) -> Recorded | None:
        """``lookup``, blocking."""
        with self.database.transaction(write=False) as conn:
            row = conn.execute("SELECT outcome FROM outcomes WHERE sid=? AND started_at >= ?",
                               (call_sid, self._clock() - self._keep)).fetchone()
        if row is None:
            return None
        return Recorded(outcome_from_json(row["outcome"]) if row["outcome"] else None)

    def keep(self, token: str, call_sid: str, text: str) -> None:
        self._writer.put(Write("whisper", (_hashed(token), call_sid, text, self._clock())))

    async def find(self, token: str) -> tuple[str, str] | None:
        return await asyncio.to_thread(self.whisper, token)

    def whisper(self, token: str) -> tuple[str, str] | None:
        """``find``, blocking."""
        with self.database.transaction(write=False) as conn:
            row = conn.execute("SELECT sid, text FROM whispers WHERE token=? AND created_at >= ?",
                               (_hashed(token), self._clock() - self._keep_whispers)).fetchone()
        return (row["sid"], row["text"]) if row else None

    def flush(self, timeout: float = 10.0) -> bool:
        return self._writer.flush(timeout)

    def health(self) -> WriterHealth:
        return self._writer.health()

    def close(self) -> None:
        self._writer.close()


def _apply(conn: Connection, write: Write) -> None:
    if write.op == "started":
        sid, at = write.args
        conn.execute(
            "INSERT INTO outcomes (sid, started_at) VALUES (?, ?) ON CONFLICT (sid) DO UPDATE "
            "SET started_at=excluded.started_at, settled_at=NULL, outcome=NULL", (sid, at))
    elif write.op == "settled":
        sid, at, outcome = write.args
        conn.execute(
            "INSERT INTO outcomes (sid, started_at, settled_at, outcome) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (sid) DO UPDATE SET settled_at=excluded.settled_at, "
            "outcome=excluded.outcome", (sid, at, at, outcome))
    elif write.op == "whisper":
        conn.execute("INSERT INTO whispers (token, sid, text, created_at) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT (token) DO NOTHING", write.args)
    else:
        raise ValueError(f"unknown outcome write {write.op!r}")


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def outcome_json(outcome: Outcome) -> str:
    return json.dumps(asdict(outcome), default=str)


def outcome_from_json(text: str) -> Outcome:
    data: dict[str, Any] = json.loads(text)
    target = data.get("target")
    return Outcome(
        kind=data["kind"],
        reason=data.get("reason", ""),
        target=TransferTarget(target["kind"], target["address"]) if target else None,
        whisper_url=data.get("whisper_url"),
        context=data.get("context") or {},
    )
