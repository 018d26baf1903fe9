"""The call store: every call from its first webhook to its end, and the agent queue.

``CallRecords`` is an event sink (it stores each ``CallEvent``) and a telephony ``CallObserver``.
Writes are queued for one ``BatchWriter`` thread, so the event loop never waits on the database;
reads first wait for the writes queued before them, so what a page shows is never behind what it
was told. It works the same on SQLite and PostgreSQL (``voicebot.storage``).

Caller numbers are stored in full (an agent may see them once the caller is verified) and served
masked; texts are stored with card-like numbers already redacted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, tzinfo
from pathlib import Path
from typing import Any, TypeVar

from voicebot.events import CallEvent, CallEventType
from voicebot.records import retention
from voicebot.records.days import day_span
from voicebot.records.shapes import call_json, iso, turn_json
from voicebot.records.writes import OUTCOMES, TERMINAL_STATUSES, KeypadRuns, apply, event_write
from voicebot.storage import Connection, Database, open_database, sqlite_url
from voicebot.storage.spool import Spool
from voicebot.storage.writer import BatchWriter, Spill, Write, WriterHealth, log_lost

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

__all__ = ["OUTCOMES", "TERMINAL_STATUSES", "CallRecords"]


class CallRecords:
    """The call store; build one per service and ``close()`` it at shutdown.

    ``store`` is a shared ``Database`` (the service's), a database URL, or a SQLite file path
    (then the records own the database and close it with themselves).
    """

    def __init__(
        self,
        store: Database | Path | str,
        *,
        retention_days: int | None = None,
        clock: Callable[[], float] = time.time,
        give_up_after: float = 120.0,
        spill: Spill = log_lost,
        spool: Path | None = None,
        spool_every: float = 5.0,
    ) -> None:
        self._owned = not isinstance(store, Database)
        self.database = store if isinstance(store, Database) else open_database(_url(store))
        self.retention_days = retention_days
        self._clock = clock
        self._last_purge = 0.0
        self.purge()
        self._keypad = KeypadRuns()
        self._spool = None if spool is None else Spool(
            spool, self.write, lambda: self._writer.health().state != "retrying",
            every=spool_every)
        self._writer = BatchWriter(self.database, apply, name="call-records",
                                   give_up_after=give_up_after,
                                   spill=spill if self._spool is None else self._spool.spill,
                                   housekeeping=self._daily_purge)

    # -- the event sink and the observer (called on the event loop; never block) --

    def __call__(self, event: CallEvent) -> None:
        """Store one call event (queued for the writer thread, already redacted)."""
        sid = event.call_sid
        if event.type == CallEventType.DIGITS:
            self._writer.put(self._keypad.press(sid, str(event.data.get("digit", "")), event.at))
            return
        if event.type in (CallEventType.TRANSCRIPT, CallEventType.SAY, CallEventType.CALL_END):
            self._keypad.forget(sid)
        self._writer.put(event_write(str(event.type), sid, event.data, event.at))

    def call_ringing(self, call_sid: str, from_number: str, to_number: str) -> None:
        self._writer.put(Write("ringing", (call_sid, self._clock(), from_number, to_number)))

    def call_status(self, call_sid: str, status: str) -> None:
        self._writer.put(Write("status", (call_sid, status, self._clock())))

    def call_dropped(self, call_sid: str, reason: str) -> None:
        self._writer.put(Write("dropped", (call_sid, reason, self._clock())))

    def write(self, write: Write) -> None:
        """Queue a write given as data (how a spool replays writes it kept during an outage)."""
        self._writer.put(write)

    # -- housekeeping --

    def now(self) -> float:
        """The records' clock (injectable, so retention and waits can be tested)."""
        return self._clock()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every write queued so far is stored (True), or ``timeout`` passes."""
        return self._writer.flush(timeout)

    def health(self) -> WriterHealth:
        """Whether writes are being stored, retried, spooled or lost, and how many wait."""
        health = self._writer.health()
        if self._spool is None:
            return health
        return replace(health, spooled=self._spool.depth())

    def purge(self) -> int:
        """Delete what is past its retention (see ``retention``); returns how many calls went."""
        self._last_purge = self._clock()
        with self.database.transaction() as conn:
            deleted = retention.purge(conn, self._clock(), self.retention_days)
        if deleted:
            _LOGGER.info("retention: deleted %s", ", ".join(
                f"{count} {table}" for table, count in sorted(deleted.items())))
        return deleted.get("calls", 0)

    def _daily_purge(self) -> None:
        if self._clock() - self._last_purge > 86_400:
            self.purge()

    def close(self) -> None:
        """Store what is queued, stop the writer and (if the records own it) the database."""
        if self._spool is not None:
            self._spool.close()
        self._writer.close()
        if self._owned:
            self.database.close()

    def read(self, query: Callable[[Connection], _T]) -> _T:
        """Run ``query`` once every write queued before it is stored (blocking: use a thread)."""
        self.flush()
        with self.database.transaction(write=False) as conn:
            return query(conn)

    def change(self, query: Callable[[Connection], _T]) -> _T:
        """Like ``read``, for a query that writes (a claim): one write transaction."""
        self.flush()
        with self.database.transaction() as conn:
            return query(conn)

    # -- reading: the call records API --

    def get_call(self, sid: str) -> dict[str, Any] | None:
        """One call as the API serves it; None for an unknown sid."""

        def query(conn: Connection) -> dict[str, Any] | None:
            row = conn.execute("SELECT * FROM calls WHERE sid=?", (sid,)).fetchone()
            if row is None:
                return None
            turns = conn.execute("SELECT * FROM turns WHERE sid=? ORDER BY id", (sid,)).fetchall()
            errors = conn.execute(
                "SELECT at, data FROM events WHERE sid=? AND type=? ORDER BY id",
                (sid, str(CallEventType.ERROR))).fetchall()
            call = call_json(row)
            call["turns"] = [turn_json(t) for t in turns]
            call["errors"] = [{"at": iso(e["at"]), **json.loads(e["data"])} for e in errors]
            return call

        return self.read(query)

    def list_calls(self, limit: int = 50) -> list[dict[str, Any]]:
        """The most recent calls, newest first, without their turns."""
        rows = self.read(lambda conn: conn.execute(
            "SELECT * FROM calls ORDER BY started_at DESC LIMIT ?", (limit,)).fetchall())
        return [call_json(row) for row in rows]

    def transcript(self, sid: str) -> list[dict[str, Any]]:
        """The call's turns so far (redacted), oldest first."""
        rows = self.read(lambda conn: conn.execute(
            "SELECT * FROM turns WHERE sid=? ORDER BY id", (sid,)).fetchall())
        return [turn_json(row) for row in rows]

    async def read_transcript(self, sid: str) -> list[dict[str, Any]]:
        """``transcript`` from the event loop (for ``Handoff``'s ``transcripts``)."""
        return await asyncio.to_thread(self.transcript, sid)

    def figures(self, day: date, tz: tzinfo = UTC) -> dict[str, Any]:
        """One day's figures (``day`` in ``tz``): what the supervisor view shows."""
        start, end = day_span(day, day, tz)

        def query(conn: Connection) -> dict[str, Any]:
            span = (start, end)
            counts = {r["outcome"]: r["n"] for r in conn.execute(
                "SELECT coalesce(outcome, 'in-progress') AS outcome, count(*) AS n FROM calls "
                "WHERE started_at >= ? AND started_at < ? GROUP BY 1", span)}
            why = conn.execute(
                "SELECT team, transfer_reason AS reason, count(*) AS n FROM calls "
                "WHERE started_at >= ? AND started_at < ? AND team IS NOT NULL "
                "GROUP BY team, transfer_reason ORDER BY n DESC, team", span).fetchall()
            wait = conn.execute(
                "SELECT avg(claimed_at - queued_at) AS wait, count(claimed_at) AS n "
                "FROM handoffs WHERE queued_at >= ? AND queued_at < ?", span).fetchone()
            return {
                "day": day.isoformat(),
                "calls": sum(counts.values()),
                "contained": counts.get("contained", 0),
                "transferred": counts.get("transferred", 0),
                "abandoned": counts.get("abandoned", 0),
                "silent": counts.get("silent", 0),
                "errors": counts.get("error", 0),
                "in_progress": counts.get("in-progress", 0),
                "transfer_reasons": [
                    {"team": r["team"], "reason": r["reason"], "count": r["n"]} for r in why],
                "average_wait_seconds": None if wait["wait"] is None else round(wait["wait"], 1),
                "answered_transfers": wait["n"],
            }

        return self.read(query)


def _url(store: Path | str) -> str:
    text = str(store)
    return text if "://" in text else sqlite_url(Path(text))
