"""The agents' queue of transferred calls, kept in the call records database.

Claiming is one conditional ``UPDATE``: when two agents claim the same call at once, in one
process or in two, the database lets exactly one of them change the row (SQLite's write lock;
PostgreSQL's row lock, after which the loser's ``WHERE`` no longer matches), and the other is
told who has it.
"""

from __future__ import annotations

from typing import Any, Literal

from voicebot.privacy import redact_numbers
from voicebot.records.shapes import HANDOFF_SELECT, handoff_json, turn_json
from voicebot.records.store import CallRecords
from voicebot.records.writes import QUEUE_CHANNEL
from voicebot.storage import Connection

CloseOutcome = Literal["resolved", "callback", "other"]


class ClaimError(Exception):
    """An agent cannot claim or close this call; ``message`` says why, for the agent."""

    def __init__(self, status: Literal["missing", "taken", "closed"], message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


_MISSING = "There is no transferred call with that reference."
_CLOSED = "This call has already been closed."


class HandoffQueue:
    """Reads and changes the queue; every method blocks, so call it from a worker thread."""

    def __init__(self, records: CallRecords) -> None:
        self.records = records

    def waiting(self, since: float, with_transcript: bool = True) -> list[dict[str, Any]]:
        """Transferred calls queued after ``since`` and not yet closed, oldest first."""

        def query(conn: Connection) -> list[dict[str, Any]]:
            rows = conn.execute(HANDOFF_SELECT + " WHERE h.queued_at >= ? AND h.closed_at IS NULL"
                                " ORDER BY h.queued_at", (since,)).fetchall()
            entries = [handoff_json(row) for row in rows]
            if with_transcript:
                for entry in entries:
                    entry["transcript"] = _turns(conn, entry["call_sid"])
            return entries

        return self.records.read(query)

    def get(self, sid: str, with_transcript: bool = False) -> dict[str, Any] | None:
        """One transferred call's context for an agent; None if it was never transferred."""

        def query(conn: Connection) -> dict[str, Any] | None:
            row = conn.execute(HANDOFF_SELECT + " WHERE h.sid=?", (sid,)).fetchone()
            if row is None:
                return None
            entry = handoff_json(row)
            if with_transcript:
                entry["transcript"] = _turns(conn, sid)
            return entry

        return self.records.read(query)

    def claim(self, sid: str, agent: str) -> dict[str, Any]:
        """Give the call to ``agent``; of several agents claiming it, exactly one succeeds."""
        now = self.records.now()

        def query(conn: Connection) -> str | None:
            changed = conn.execute(
                "UPDATE handoffs SET claimed_by=?, claimed_at=? "
                "WHERE sid=? AND claimed_by IS NULL AND closed_at IS NULL",
                (agent, now, sid)).rowcount
            if changed:
                conn.notify(QUEUE_CHANNEL, sid)
                return None
            row = conn.execute("SELECT claimed_by, closed_at FROM handoffs WHERE sid=?",
                               (sid,)).fetchone()
            if row is None:
                return "missing"
            return "closed" if row["closed_at"] is not None else str(row["claimed_by"])

        holder = self.records.change(query)
        if holder == "missing":
            raise ClaimError("missing", _MISSING)
        if holder == "closed":
            raise ClaimError("closed", _CLOSED)
        if holder is not None and holder != agent:
            raise ClaimError("taken", f"This call has already been taken by {holder}.")
        return self._entry(sid)

    def close(self, sid: str, agent: str, outcome: CloseOutcome, note: str,
              any_agent: bool = False) -> dict[str, Any]:
        """Record how the call ended for the agent; only its claimer (or a supervisor) may."""
        now = self.records.now()

        def query(conn: Connection) -> bool:
            closed = bool(conn.execute(
                "UPDATE handoffs SET outcome=?, note=?, closed_at=?, closed_by=? "
                "WHERE sid=? AND closed_at IS NULL AND (claimed_by=? OR ?)",
                (outcome, redact_numbers(note), now, agent, sid, agent, any_agent),
            ).rowcount)
            if closed:
                conn.notify(QUEUE_CHANNEL, sid)
            return closed

        if not self.records.change(query):
            entry = self.get(sid)
            if entry is None:
                raise ClaimError("missing", _MISSING)
            if entry["closed_at"] is not None:
                raise ClaimError("closed", _CLOSED)
            if entry["claimed_by"] is None:
                raise ClaimError("taken", "Claim this call before closing it.")
            raise ClaimError("taken", f"This call belongs to {entry['claimed_by']}.")
        return self._entry(sid)

    def waiting_by_team(self, since: float) -> dict[str, int]:
        """Callers transferred after ``since`` who are still waiting for an agent, by team."""
        rows = self.records.read(lambda conn: conn.execute(
            "SELECT team, count(*) AS n FROM handoffs WHERE queued_at >= ? "
            "AND claimed_at IS NULL AND closed_at IS NULL AND left_at IS NULL GROUP BY team",
            (since,)).fetchall())
        return {str(row["team"]): int(row["n"]) for row in rows}

    def _entry(self, sid: str) -> dict[str, Any]:
        entry = self.get(sid)
        if entry is None:  # deleted by retention between the two statements
            raise ClaimError("missing", _MISSING)
        return entry


class QueueLengths:
    """How many callers wait for each team, as last counted (``Handoff``'s ``waiting``: asked
    during a call, so it must not touch the database); ``refresh`` recounts, in a thread."""

    def __init__(self, queue: HandoffQueue, horizon: float = 3600.0) -> None:
        self._queue = queue
        self._horizon = horizon
        self._counts: dict[str, int] = {}

    def __call__(self, team: str) -> int:
        return self._counts.get(team, 0)

    def refresh(self) -> None:
        self._counts = self._queue.waiting_by_team(self._queue.records.now() - self._horizon)


def _turns(conn: Connection, sid: str) -> list[dict[str, Any]]:
    return [turn_json(t) for t in conn.execute("SELECT * FROM turns WHERE sid=? ORDER BY id",
                                               (sid,))]
