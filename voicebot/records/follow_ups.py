"""The agents' call-back queue and message list, kept in the call records database.

A call back is due when its window opens and overdue once the window has closed with no one
having closed it. An agent claims one (exactly one of several agents claiming at once succeeds,
as with transfers: one conditional ``UPDATE``), then marks it done, or not reached (back in the
queue with the attempt counted, or closed when the agent gives up), adds notes, or moves it to
another window. Nothing open is ever deleted: retention keeps a call while its call back or
message is open (``retention.purge``). Every method blocks: call it from a worker thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

from voicebot.privacy import mask_number, redact_numbers
from voicebot.records.handoffs import ClaimError
from voicebot.records.shapes import turn_json
from voicebot.records.store import CallRecords
from voicebot.records.writes import FOLLOW_UP_CHANNEL
from voicebot.storage import Connection, Row

Shown = Literal["open", "closed", "all"]
_MISSING = "There is no call back with that reference."
_CLOSED = "This call back has already been closed."
_SELECT = ("SELECT b.*, c.from_number FROM callbacks b LEFT JOIN calls c ON c.sid = b.sid")
_WHERE = {"open": " WHERE b.closed_at IS NULL", "closed": " WHERE b.closed_at IS NOT NULL",
          "all": " WHERE 1=1"}


class FollowUps:
    """Call backs and messages, read and changed for the agent desktop."""

    def __init__(self, records: CallRecords) -> None:
        self.records = records

    # -- call backs --

    def callbacks(self, shown: Shown = "open", team: str | None = None,
                  limit: int = 500) -> list[dict[str, Any]]:
        """Call backs, soonest window first (``team`` narrows them to one team)."""
        now = self.records.now()
        sql = _SELECT + _WHERE[shown] + (" AND b.team = ?" if team else "")
        params: tuple[Any, ...] = (team,) if team else ()
        order = " ORDER BY b.window_start, b.id LIMIT ?"
        rows = self.records.read(
            lambda conn: conn.execute(sql + order, (*params, limit)).fetchall())
        return [callback_json(row, now) for row in rows]

    def callback(self, ident: int, with_transcript: bool = True) -> dict[str, Any] | None:
        now = self.records.now()

        def query(conn: Connection) -> dict[str, Any] | None:
            row = conn.execute(_SELECT + " WHERE b.id = ?", (ident,)).fetchone()
            if row is None:
                return None
            entry = callback_json(row, now)
            if with_transcript:
                entry["transcript"] = _turns(conn, row["sid"])
            return entry

        return self.records.read(query)

    def claim(self, ident: int, agent: str) -> dict[str, Any]:
        """Give the call back to ``agent``; of several agents claiming it, exactly one wins."""
        return self._change(ident, agent, False, (
            "UPDATE callbacks SET state='claimed', claimed_by=?, claimed_at=? "
            "WHERE id=? AND state='waiting'"), lambda now: (agent, now, ident))

    def done(self, ident: int, agent: str, note: str = "", any_agent: bool = False
             ) -> dict[str, Any]:
        """The caller was reached and helped: closed."""
        return self._close(ident, agent, any_agent, "done", note)

    def not_reached(self, ident: int, agent: str, note: str = "", give_up: bool = False,
                    any_agent: bool = False) -> dict[str, Any]:
        """No answer: back in the queue with the attempt counted, or closed (``give_up``)."""
        if give_up:
            return self._close(ident, agent, any_agent, "not-reached", note, attempt=True)
        self._add_note(ident, agent, note)
        return self._change(ident, agent, any_agent, (
            "UPDATE callbacks SET state='waiting', claimed_by=NULL, claimed_at=NULL, "
            "attempts=attempts+1 WHERE id=? AND state='claimed' AND (claimed_by=? OR ?)"),
            lambda now: (ident, agent, any_agent))

    def reschedule(self, ident: int, agent: str, start: float, end: float, note: str = "",
                   any_agent: bool = False) -> dict[str, Any]:
        """Move it to another window (the caller asked, or no one could call in time); it goes
        back in the queue for whoever is in then."""
        if end <= start:
            raise ValueError("the window must end after it starts")
        self._add_note(ident, agent, note)
        return self._change(ident, agent, any_agent, (
            "UPDATE callbacks SET window_start=?, window_end=?, state='waiting', "
            "claimed_by=NULL, claimed_at=NULL WHERE id=? AND closed_at IS NULL "
            "AND (claimed_by IS NULL OR claimed_by=? OR ?)"),
            lambda now: (start, end, ident, agent, any_agent))

    def note(self, ident: int, agent: str, text: str) -> dict[str, Any]:
        """Add a note (any agent, while the call back is open)."""
        if not self._add_note(ident, agent, text, open_only=True):
            self._refusal(ident, agent)
        return self._entry(ident)

    def _close(self, ident: int, agent: str, any_agent: bool, state: str, note: str,
               attempt: bool = False) -> dict[str, Any]:
        self._add_note(ident, agent, note)
        return self._change(ident, agent, any_agent, (
            "UPDATE callbacks SET state=?, closed_at=?, closed_by=?, attempts=attempts+? "
            "WHERE id=? AND state='claimed' AND (claimed_by=? OR ?)"),
            lambda now: (state, now, agent, int(attempt), ident, agent, any_agent))

    def _change(self, ident: int, agent: str, any_agent: bool, sql: str,
                params: Callable[[float], tuple[Any, ...]]) -> dict[str, Any]:
        now = self.records.now()

        def query(conn: Connection) -> bool:
            changed = bool(conn.execute(sql, params(now)).rowcount)
            if changed:
                conn.notify(FOLLOW_UP_CHANNEL, f"callback:{ident}")
            return changed

        if not self.records.change(query):
            self._refusal(ident, agent)
        return self._entry(ident)

    def _add_note(self, ident: int, agent: str, text: str, open_only: bool = False) -> bool:
        text = redact_numbers(text.strip())
        if not text:
            return True
        now = self.records.now()

        def query(conn: Connection) -> bool:
            row = conn.execute("SELECT notes, closed_at FROM callbacks WHERE id=?",
                               (ident,)).fetchone()
            if row is None or (open_only and row["closed_at"] is not None):
                return False
            notes = [*json.loads(row["notes"] or "[]"), {"at": now, "by": agent, "text": text}]
            conn.execute("UPDATE callbacks SET notes=? WHERE id=?", (json.dumps(notes), ident))
            conn.notify(FOLLOW_UP_CHANNEL, f"callback:{ident}")
            return True

        return self.records.change(query)

    def _refusal(self, ident: int, agent: str) -> None:
        entry = self.callback(ident, with_transcript=False)
        if entry is None:
            raise ClaimError("missing", _MISSING)
        if entry["closed_at"] is not None:
            raise ClaimError("closed", _CLOSED)
        holder = entry["claimed_by"]
        if holder is None:
            raise ClaimError("taken", "Claim this call back first.")
        raise ClaimError("taken", f"This call back has already been taken by {holder}."
                         if holder != agent else "This call back is already yours.")

    def _entry(self, ident: int) -> dict[str, Any]:
        entry = self.callback(ident)
        if entry is None:
            raise ClaimError("missing", _MISSING)
        return entry

    # -- messages --

    def messages(self, shown: Shown = "open", team: str | None = None,
                 limit: int = 500) -> list[dict[str, Any]]:
        """Messages left for the teams, oldest first (read them in the order they came)."""
        where = _WHERE[shown].replace("b.", "m.") + (" AND m.team = ?" if team else "")
        params: tuple[Any, ...] = (team,) if team else ()
        rows = self.records.read(lambda conn: conn.execute(
            "SELECT m.*, c.from_number FROM messages m LEFT JOIN calls c ON c.sid = m.sid"
            + where + " ORDER BY m.created_at, m.id LIMIT ?", (*params, limit)).fetchall())
        return [message_json(row) for row in rows]

    def close_message(self, ident: int, agent: str, note: str = "") -> dict[str, Any]:
        """The message was dealt with (``note``: what was done)."""
        now = self.records.now()

        def query(conn: Connection) -> tuple[bool, Row | None]:
            changed = bool(conn.execute(
                "UPDATE messages SET closed_at=?, closed_by=?, note=? "
                "WHERE id=? AND closed_at IS NULL",
                (now, agent, redact_numbers(note.strip()), ident)).rowcount)
            if changed:
                conn.notify(FOLLOW_UP_CHANNEL, f"message:{ident}")
            return changed, conn.execute(
                "SELECT m.*, c.from_number FROM messages m LEFT JOIN calls c ON c.sid = m.sid "
                "WHERE m.id=?", (ident,)).fetchone()

        changed, row = self.records.change(query)
        if row is None:
            raise ClaimError("missing", "There is no message with that reference.")
        if not changed:
            raise ClaimError("closed", f"This message was already dealt with by "
                                       f"{row['closed_by']}.")
        return message_json(row)


def callback_json(row: Row, now: float) -> dict[str, Any]:
    """A call back as agents see it: due once its window opens, overdue once it has closed."""
    open_ = row["closed_at"] is None
    return {
        "id": row["id"], "call_sid": row["sid"], "team": row["team"],
        "language": row["language"], "number": row["number"],
        "caller": mask_number(row["from_number"] or ""),
        "window_start": row["window_start"], "window_end": row["window_end"],
        "reason": row["reason"], "why": row["why"], "summary": row["summary"],
        "created_at": row["created_at"], "state": row["state"], "attempts": row["attempts"],
        "claimed_by": row["claimed_by"], "claimed_at": row["claimed_at"],
        "closed_at": row["closed_at"], "closed_by": row["closed_by"],
        "notes": json.loads(row["notes"] or "[]"),
        "due": open_ and row["window_start"] <= now,
        "overdue": open_ and row["window_end"] < now,
    }


def message_json(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"], "call_sid": row["sid"], "team": row["team"],
        "language": row["language"], "text": row["text"], "why": row["why"],
        "summary": row["summary"], "caller": mask_number(row["from_number"] or ""),
        "created_at": row["created_at"], "closed_at": row["closed_at"],
        "closed_by": row["closed_by"], "note": row["note"],
    }


def _turns(conn: Connection, sid: str) -> list[dict[str, Any]]:
    return [turn_json(t) for t in conn.execute("SELECT * FROM turns WHERE sid=? ORDER BY id",
                                               (sid,))]
