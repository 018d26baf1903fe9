"""The call store: every call from its first webhook to its end, and the agent queue.

``CallRecords`` is an event sink (it stores each ``CallEvent``) and a telephony ``CallObserver``.
Writes go through one writer thread, so the event loop never waits on the disk; reads first wait
for the writes queued before them, so what a page shows is never behind what it was told.
This is the only module that speaks SQL about calls.

Caller numbers are stored in full (an agent may see them once the caller is verified) and served
masked; texts are stored with card-like numbers already redacted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as clock_time
from pathlib import Path
from typing import Any, TypeVar

from voicebot.events import CallEvent, CallEventType
from voicebot.logs import redact_numbers
from voicebot.records.shapes import SCHEMA, call_json, iso, redacted, turn_json

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")
_Write = Callable[[sqlite3.Connection], None]

OUTCOMES = frozenset({"contained", "transferred", "abandoned", "error", "shutdown"})
"""How a call ended; ``shutdown``: handed over because the process stopped (drain limit)."""

TERMINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
"""Twilio call statuses after which nothing more will happen on the call."""

class CallRecords:
    """The SQLite call store; build one per service and ``close()`` it at shutdown."""

    def __init__(
        self,
        path: Path | str,
        *,
        retention_days: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.retention_days = retention_days
        self._clock = clock
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.executescript(SCHEMA)
        self._keyed: dict[str, str] = {}
        self._writes: queue.Queue[_Write | threading.Event | None] = queue.Queue()
        self._last_purge = 0.0
        self.purge()
        self._writer = threading.Thread(target=self._write_loop, name="call-records", daemon=True)
        self._writer.start()

    # -- the event sink and the observer (called on the event loop; never block) --

    def __call__(self, event: CallEvent) -> None:
        """Store one call event (queued for the writer thread)."""
        self._writes.put(lambda conn: self._apply(conn, event))

    def call_ringing(self, call_sid: str, from_number: str, to_number: str) -> None:
        at = self._clock()
        self._writes.put(lambda conn: self._ensure(conn, call_sid, at, from_number, to_number))

    def call_status(self, call_sid: str, status: str) -> None:
        at = self._clock()
        self._writes.put(lambda conn: self._status(conn, call_sid, status, at))

    def call_dropped(self, call_sid: str, reason: str) -> None:
        at = self._clock()

        def dropped(conn: sqlite3.Connection) -> None:
            self._ensure(conn, call_sid, at)
            conn.execute(
                "UPDATE calls SET outcome='abandoned', reason=?, ended_at=? "
                "WHERE sid=? AND ended_at IS NULL",
                (f"dropped: {reason}", at, call_sid),
            )

        self._writes.put(dropped)

    # -- writing --

    def _write_loop(self) -> None:
        """Applies queued writes in batches, one transaction per batch, until ``close()``."""
        while True:
            try:
                batch = [self._writes.get(timeout=3600.0)]
            except queue.Empty:
                batch = [_idle]
            while len(batch) < 200:
                try:
                    batch.append(self._writes.get_nowait())
                except queue.Empty:
                    break
            writes = [b for b in batch if b is not None and not isinstance(b, threading.Event)]
            try:
                if writes:
                    self._write_batch(writes)
                if self._clock() - self._last_purge > 86_400:
                    self.purge()
            except sqlite3.Error:
                _LOGGER.exception("call records: %d write(s) lost", len(writes))
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if None in batch:
                return

    def _write_batch(self, writes: list[_Write]) -> None:
        with self._transaction() as conn:
            for write in writes:
                try:
                    write(conn)
                except (sqlite3.Error, ValueError, TypeError):
                    _LOGGER.exception("call records: a write failed and was skipped")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _ensure(
        self, conn: sqlite3.Connection, sid: str, at: float, caller: str = "", called: str = ""
    ) -> None:
        conn.execute(
            "INSERT INTO calls (sid, from_number, to_number, started_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (sid) DO UPDATE SET "
            "from_number = CASE WHEN from_number = '' THEN excluded.from_number "
            "ELSE from_number END, "
            "to_number = CASE WHEN to_number = '' THEN excluded.to_number ELSE to_number END",
            (sid, caller, called, at),
        )

    def _status(self, conn: sqlite3.Connection, sid: str, status: str, at: float) -> None:
        self._ensure(conn, sid, at)
        conn.execute("UPDATE calls SET status=? WHERE sid=?", (status, sid))
        if status in TERMINAL_STATUSES:
            conn.execute(
                "UPDATE calls SET outcome='abandoned', reason=?, ended_at=? "
                "WHERE sid=? AND ended_at IS NULL AND outcome IS NULL",
                (f"call {status}", at, sid),
            )
            conn.execute(
                "UPDATE handoffs SET left_at=? WHERE sid=? AND claimed_at IS NULL "
                "AND closed_at IS NULL AND left_at IS NULL",
                (at, sid),
            )

    def _apply(self, conn: sqlite3.Connection, event: CallEvent) -> None:
        sid, at, data = event.call_sid, event.at, event.data
        self._ensure(conn, sid, at, str(data.get("from", "")), str(data.get("to", "")))
        stored = redacted({"digit": "*"} if event.type == CallEventType.DIGITS else data)
        conn.execute(
            "INSERT INTO events (sid, at, type, data) VALUES (?, ?, ?, ?)",
            (sid, at, str(event.type), json.dumps(stored, default=str)),
        )
        kind = event.type
        if kind == CallEventType.TRANSCRIPT:
            self._keyed.pop(sid, None)
            self._turn(conn, sid, at, "caller", str(data.get("text", "")),
                       confidence=data.get("confidence"))
        elif kind == CallEventType.SAY:
            self._keyed.pop(sid, None)
            self._turn(conn, sid, at, "bot", str(data.get("text", "")),
                       interrupted=bool(data.get("interrupted", False)))
        elif kind == CallEventType.DIGITS:
            self._keypad(conn, sid, at, str(data.get("digit", "")))
        elif kind == CallEventType.INTENT:
            conn.execute(
                "UPDATE turns SET intent=?, score=? WHERE id=(SELECT max(id) FROM turns "
                "WHERE sid=? AND who='caller')",
                (str(data.get("intent", "")), data.get("score"), sid),
            )
        elif kind == CallEventType.SLOT:
            self._slot(conn, sid, str(data.get("name", "")), data.get("value"))
        elif kind == CallEventType.VERIFIED:
            conn.execute("UPDATE calls SET verified=1 WHERE sid=?", (sid,))
        elif kind == CallEventType.TRANSFER:
            self._transfer(conn, sid, at, data)
        elif kind == CallEventType.CALL_END:
            self._keyed.pop(sid, None)
            outcome = str(data.get("outcome", ""))
            conn.execute(
                "UPDATE calls SET outcome=?, reason=?, ended_at=? WHERE sid=?",
                (outcome if outcome in OUTCOMES else "error",
                 redact_numbers(str(data.get("reason", ""))), at, sid),
            )

    def _turn(self, conn: sqlite3.Connection, sid: str, at: float, who: str, text: str,
              **extra: Any) -> None:
        conn.execute(
            "INSERT INTO turns (sid, at, who, text, confidence, interrupted) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (sid, at, who, redact_numbers(text), extra.get("confidence"),
             int(extra.get("interrupted", False))),
        )

    def _keypad(self, conn: sqlite3.Connection, sid: str, at: float, digit: str) -> None:
        """Consecutive keypresses make one caller turn, redacted as a whole."""
        keyed = self._keyed.get(sid)
        self._keyed[sid] = (keyed or "") + digit
        text = "[keypad] " + redact_numbers(self._keyed[sid])
        if keyed is None:
            self._turn(conn, sid, at, "caller", text)
        else:
            conn.execute(
                "UPDATE turns SET text=? WHERE id=(SELECT max(id) FROM turns WHERE sid=? "
                "AND who='caller')", (text, sid))

    def _slot(self, conn: sqlite3.Connection, sid: str, name: str, value: Any) -> None:
        value = redacted(value)
        row = conn.execute("SELECT slots FROM calls WHERE sid=?", (sid,)).fetchone()
        slots = json.loads(row["slots"]) if row and row["slots"] else {}
        slots[name] = value
        conn.execute("UPDATE calls SET slots=? WHERE sid=?", (json.dumps(slots, default=str), sid))
        turn = conn.execute(
            "SELECT id, slots FROM turns WHERE sid=? AND who='caller' ORDER BY id DESC LIMIT 1",
            (sid,),
        ).fetchone()
        if turn is not None:
            turn_slots = json.loads(turn["slots"]) if turn["slots"] else {}
            turn_slots[name] = value
            conn.execute("UPDATE turns SET slots=? WHERE id=?",
                         (json.dumps(turn_slots, default=str), turn["id"]))

    def _transfer(self, conn: sqlite3.Connection, sid: str, at: float, data: dict[str, Any]
                  ) -> None:
        team, reason = str(data.get("team", "general")), redact_numbers(str(data.get("reason", "")))
        summary = redact_numbers(str(data.get("summary", "")))
        slots = json.dumps(redacted(data.get("slots") or {}), default=str)
        verified = int(bool(data.get("verified", False)))
        conn.execute(
            "UPDATE calls SET team=?, transfer_reason=?, summary=?, "
            "verified=MAX(verified, ?) WHERE sid=?", (team, reason, summary, verified, sid))
        conn.execute(
            "INSERT INTO handoffs (sid, team, reason, summary, verified, slots, queued_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sid) DO UPDATE SET team=excluded.team, "
            "reason=excluded.reason, summary=excluded.summary, verified=excluded.verified, "
            "slots=excluded.slots",
            (sid, team, reason, summary, verified, slots, at),
        )

    # -- housekeeping --

    def now(self) -> float:
        """The records' clock (injectable, so retention and waits can be tested)."""
        return self._clock()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every write queued so far is stored (True), or ``timeout`` passes."""
        if not self._writer.is_alive():
            return True
        done = threading.Event()
        self._writes.put(done)
        return done.wait(timeout)

    def purge(self) -> int:
        """Delete calls older than the retention period; returns how many went."""
        self._last_purge = self._clock()
        if self.retention_days is None:
            return 0
        cutoff = self._clock() - self.retention_days * 86_400
        with self._transaction() as conn:
            deleted = conn.execute("DELETE FROM calls WHERE started_at < ?", (cutoff,)).rowcount
        if deleted:
            _LOGGER.info("call records: deleted %d call(s) older than %d days", deleted,
                         self.retention_days)
        return int(deleted)

    def close(self) -> None:
        """Store what is queued, stop the writer and close the database."""
        if self._writer.is_alive():
            self._writes.put(None)
            self._writer.join(timeout=30)
        with self._lock:
            self._conn.close()

    def read(self, query: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``query`` once every write queued before it is stored (blocking: use a thread)."""
        self.flush()
        with self._lock:
            return query(self._conn)

    # -- reading: the call records API --

    def get_call(self, sid: str) -> dict[str, Any] | None:
        """One call as the API serves it; None for an unknown sid."""

        def query(conn: sqlite3.Connection) -> dict[str, Any] | None:
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
        start = datetime.combine(day, clock_time(), tz).timestamp()
        end = datetime.combine(day + timedelta(days=1), clock_time(), tz).timestamp()

        def query(conn: sqlite3.Connection) -> dict[str, Any]:
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
                "errors": counts.get("error", 0),
                "in_progress": counts.get("in-progress", 0),
                "transfer_reasons": [
                    {"team": r["team"], "reason": r["reason"], "count": r["n"]} for r in why],
                "average_wait_seconds": None if wait["wait"] is None else round(wait["wait"], 1),
                "answered_transfers": wait["n"],
            }

        return self.read(query)

def _idle(conn: sqlite3.Connection) -> None:
    """Wakes the writer now and then so that the daily purge runs on a quiet line too."""


