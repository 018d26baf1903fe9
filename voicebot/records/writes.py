"""How each queued change reaches the call tables (run on the writer thread, in its batch).

A change to the agents' queue (a transfer, the end of a transferred call, a caller leaving the
queue) also sends a ``QUEUE_CHANNEL`` notice inside the same transaction, so every process's
desktops hear of it only once it is committed and readable.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from voicebot.events import CallEventType
from voicebot.privacy import redact_numbers, redacted
from voicebot.storage import Connection
from voicebot.storage.writer import Write

QUEUE_CHANNEL = "voicebot_queue"
"""Notices carry the sid of a call whose queue entry changed."""
OUTCOMES = frozenset({"contained", "transferred", "abandoned", "error", "silent", "shutdown",
                      "fault", "callback", "message"})
FOLLOW_UP_CHANNEL = "voicebot_follow_ups"
"""Notices carry ``callback:<id>`` or ``message:<id>`` when one is booked or changes."""
TERMINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
"""Twilio call statuses after which nothing more will happen on the call."""


def event_write(kind: str, sid: str, data: dict[str, Any], at: float) -> Write:
    """An event as a write; its data redacted now, so no queued or spilled write holds a card.

    The caller's and called numbers travel as given: they are stored in full (and served masked).
    """
    numbers = (str(data.get("from", "")), str(data.get("to", "")))
    return Write("event", (kind, sid, redacted(data), at, *numbers))


class KeypadRuns:
    """Each call's run of keypresses, redacted as a whole before it is queued.

    Kept on the caller's side of the queue (the event loop), so the writes hold only redacted
    text and a retried batch cannot add a digit twice.
    """

    def __init__(self) -> None:
        self._keyed: dict[str, str] = {}

    def press(self, sid: str, digit: str, at: float) -> Write:
        keyed = self._keyed.get(sid)
        self._keyed[sid] = (keyed or "") + digit
        return Write("keypad", (sid, at, "[keypad] " + redact_numbers(self._keyed[sid]),
                                keyed is None))

    def forget(self, sid: str) -> None:
        """The caller spoke, the bot spoke, or the call ended: the next keypress starts a run."""
        self._keyed.pop(sid, None)


def apply(conn: Connection, write: Write) -> None:
    """Make one queued call write (on the writer thread, inside its batch's transaction)."""
    if write.op == "ringing":
        sid, at, caller, called = write.args
        ensure_call(conn, sid, at, caller, called)
    elif write.op == "status":
        status(conn, *write.args)
    elif write.op == "dropped":
        dropped(conn, *write.args)
    elif write.op == "event":
        _event(conn, *write.args)
    elif write.op == "keypad":
        _keypad(conn, *write.args)
    else:
        raise ValueError(f"unknown call write {write.op!r}")


def _event(conn: Connection, kind: str, sid: str, data: dict[str, Any], at: float,
           caller: str = "", called: str = "") -> None:
    ensure_call(conn, sid, at, caller, called)
    conn.execute("INSERT INTO events (sid, at, type, data) VALUES (?, ?, ?, ?)",
                 (sid, at, str(kind), json.dumps(redacted(data), default=str)))
    _EVENT_WRITERS.get(kind, _nothing)(conn, sid, at, data)


def _keypad(conn: Connection, sid: str, at: float, text: str, first: bool) -> None:
    """Consecutive keypresses make one caller turn; the event keeps no digit."""
    _event(conn, str(CallEventType.DIGITS), sid, {"digit": "*"}, at)
    if first:
        turn(conn, sid, at, "caller", text)
    else:
        conn.execute(
            "UPDATE turns SET text=? WHERE id=(SELECT max(id) FROM turns WHERE sid=? "
            "AND who='caller')", (text, sid))


def ensure_call(conn: Connection, sid: str, at: float, caller: str = "", called: str = ""
                ) -> None:
    conn.execute(
        "INSERT INTO calls (sid, from_number, to_number, started_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (sid) DO UPDATE SET "
        "from_number = CASE WHEN calls.from_number = '' THEN excluded.from_number "
        "ELSE calls.from_number END, "
        "to_number = CASE WHEN calls.to_number = '' THEN excluded.to_number "
        "ELSE calls.to_number END",
        (sid, caller, called, at),
    )


def status(conn: Connection, sid: str, value: str, at: float) -> None:
    ensure_call(conn, sid, at)
    conn.execute("UPDATE calls SET status=? WHERE sid=?", (value, sid))
    if value not in TERMINAL_STATUSES:
        return
    conn.execute(
        "UPDATE calls SET outcome='abandoned', reason=?, ended_at=? "
        "WHERE sid=? AND ended_at IS NULL AND outcome IS NULL", (f"call {value}", at, sid))
    left = conn.execute(
        "UPDATE handoffs SET left_at=? WHERE sid=? AND claimed_at IS NULL "
        "AND closed_at IS NULL AND left_at IS NULL", (at, sid)).rowcount
    if left:
        conn.notify(QUEUE_CHANNEL, sid)


def dropped(conn: Connection, sid: str, reason: str, at: float) -> None:
    ensure_call(conn, sid, at)
    conn.execute(
        "UPDATE calls SET outcome='abandoned', reason=?, ended_at=? "
        "WHERE sid=? AND ended_at IS NULL", (f"dropped: {reason}", at, sid))


def turn(conn: Connection, sid: str, at: float, who: str, text: str,
         confidence: Any = None, interrupted: bool = False) -> None:
    conn.execute(
        "INSERT INTO turns (sid, at, who, text, confidence, interrupted) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (sid, at, who, redact_numbers(text), confidence, int(interrupted)))


def _transcript(conn: Connection, sid: str, at: float, data: dict[str, Any]) -> None:
    turn(conn, sid, at, "caller", str(data.get("text", "")), confidence=data.get("confidence"))


def _say(conn: Connection, sid: str, at: float, data: dict[str, Any]) -> None:
    turn(conn, sid, at, "bot", str(data.get("text", "")),
         interrupted=bool(data.get("interrupted", False)))


NOT_A_SERVICE = frozenset({"agent", "repeat", "goodbye", "menu", "out_of_scope"})
"""Intents that are not one of the line's services (for the call's own ``intent``)."""


def _intent(conn: Connection, sid: str, at: float, data: dict[str, Any]) -> None:
    intent = str(data.get("intent", ""))
    conn.execute(
        "UPDATE turns SET intent=?, score=? WHERE id=(SELECT max(id) FROM turns "
        "WHERE sid=? AND who='caller')", (intent, data.get("score"), sid))
    if intent and intent not in NOT_A_SERVICE:  # the call's service: its first request
        conn.execute("UPDATE calls SET intent=? WHERE sid=? AND intent IS NULL", (intent, sid))


def _satisfaction(conn: Connection, sid: str, at: float, data: dict[str, Any]) -> None:
    score = data.get("score")
    conn.execute("UPDATE calls SET satisfaction_asked=1, satisfaction=? WHERE sid=?",
                 (score if isinstance(score, int) and 1 <= score <= 5 else None, sid))


def _slot(conn: Connection, sid: str, at: float, data: dict[str, Any]) -> None:
    name, value = str(data.get("name", "")), redacted(data.get("value"))
    row = conn.execute("SELECT slots FROM calls WHERE sid=?", (sid,)).fetchone()
    slots = json.loads(row["slots"]) if row and row["slots"] else {}
    slots[name] = value
    conn.execute("UPDATE calls SET slots=? WHERE sid=?", (json.dumps(slots, default=str), sid))
    last = conn.execute(
        "SELECT id, slots FROM turns WHERE sid=? AND who='caller' ORDER BY id DESC LIMIT 1",
        (sid,)).fetchone()
    if last is not None:
        turn_slots = json.loads(last["slots"]) if last["slots"] else {}
        turn_slots[name] = value
        conn.execute("UPDATE turns SET slots=? WHERE id=?",
                     (json.dumps(turn_slots, default=str), last["id"]))


def _verified(conn: Connection, sid: str, at: float, data: dict[str, Any]) -> None:
    conn.execute("UPDATE calls SET verified=1 WHERE sid=?", (sid,))


def _transfer(conn: Connection, sid: str, at: float, data: dict[str, Any]) -> None:
    team, reason = str(data.get("team", "general")), redact_numbers(str(data.get("reason", "")))
    summary = redact_numbers(str(data.get("summary", "")))
    slots = json.dumps(redacted(data.get("slots") or {}), default=str)
    verified = int(bool(data.get("verified", False)))
    conn.execute(
        "UPDATE calls SET team=?, transfer_reason=?, summary=?, "
        "verified=CASE WHEN ?=1 THEN 1 ELSE verified END WHERE sid=?",
        (team, reason, summary, verified, sid))
    emergency = int(bool(data.get("emergency", False)))
    conn.execute(
        "INSERT INTO handoffs (sid, team, reason, summary, verified, slots, queued_at, emergency) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sid) DO UPDATE SET team=excluded.team, "
        "reason=excluded.reason, summary=excluded.summary, verified=excluded.verified, "
        "slots=excluded.slots, emergency=excluded.emergency",
        (sid, team, reason, summary, verified, slots, at, emergency))
    conn.notify(QUEUE_CHANNEL, sid)


def _callback(conn: Connection, sid: str, at: float, data: dict[str, Any]) -> None:
    """A call back booked: it waits in the agents' call-back queue until it is closed."""
    row = conn.execute(
        "INSERT INTO callbacks (sid, team, language, number, window_start, window_end, reason, "
        "why, summary, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (sid) DO NOTHING RETURNING id",
        (sid, str(data.get("team", "general")), str(data.get("language", "en"))[:8],
         str(data.get("number", "")), _epoch(data.get("window_start"), at),
         _epoch(data.get("window_end"), at), redact_numbers(str(data.get("reason", ""))),
         redact_numbers(str(data.get("why", ""))), redact_numbers(str(data.get("summary", ""))),
         at)).fetchone()
    if row is not None:
        conn.notify(FOLLOW_UP_CHANNEL, f"callback:{row['id']}")


def _message(conn: Connection, sid: str, at: float, data: dict[str, Any]) -> None:
    """A message left for a team: its transcript (never audio), with the call's context."""
    row = conn.execute(
        "INSERT INTO messages (sid, team, language, text, why, summary, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sid) DO NOTHING RETURNING id",
        (sid, str(data.get("team", "general")), str(data.get("language", "en"))[:8],
         redact_numbers(str(data.get("text", ""))), redact_numbers(str(data.get("why", ""))),
         redact_numbers(str(data.get("summary", ""))), at)).fetchone()
    if row is not None:
        conn.notify(FOLLOW_UP_CHANNEL, f"message:{row['id']}")


def _epoch(value: Any, default: float) -> float:
    """Epoch seconds (as the dialogue sends them), or an ISO time with its zone."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return default


def _language(conn: Connection, sid: str, at: float, data: dict[str, Any]) -> None:
    conn.execute("UPDATE calls SET language=? WHERE sid=?",
                 (str(data.get("language", "en"))[:8], sid))


def _call_end(conn: Connection, sid: str, at: float, data: dict[str, Any]) -> None:
    outcome = str(data.get("outcome", ""))
    conn.execute(
        "UPDATE calls SET outcome=?, reason=?, ended_at=? WHERE sid=?",
        (outcome if outcome in OUTCOMES else "error",
         redact_numbers(str(data.get("reason", ""))), at, sid))
    if conn.execute("SELECT 1 FROM handoffs WHERE sid=?", (sid,)).fetchone() is not None:
        conn.notify(QUEUE_CHANNEL, sid)


def _nothing(conn: Connection, sid: str, at: float, data: dict[str, Any]) -> None:
    """Events with nothing beyond their ``events`` row (speech-start, barge-in, errors...)."""


_EVENT_WRITERS: dict[str, Callable[[Connection, str, float, dict[str, Any]], None]] = {
    CallEventType.TRANSCRIPT: _transcript,
    CallEventType.SAY: _say,
    CallEventType.INTENT: _intent,
    CallEventType.SLOT: _slot,
    CallEventType.VERIFIED: _verified,
    CallEventType.TRANSFER: _transfer,
    CallEventType.LANGUAGE: _language,
    CallEventType.CALLBACK: _callback,
    CallEventType.MESSAGE: _message,
    CallEventType.SATISFACTION: _satisfaction,
    CallEventType.CALL_END: _call_end,
}
