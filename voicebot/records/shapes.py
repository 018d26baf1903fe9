"""The stored shape of a call (SQLite schema) and the shapes it is served in (JSON).

Kept apart from the writer so the privacy rules are easy to audit in one place: numbers are
masked on the way out, and card-like numbers are redacted on the way in.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime
from typing import Any

from voicebot.logs import redact_numbers

SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    sid TEXT PRIMARY KEY,
    from_number TEXT NOT NULL DEFAULT '',
    to_number TEXT NOT NULL DEFAULT '',
    started_at REAL NOT NULL,
    ended_at REAL,
    status TEXT,
    outcome TEXT CHECK (outcome IN ('contained', 'transferred', 'abandoned', 'error', 'shutdown')),
    reason TEXT,
    team TEXT,
    transfer_reason TEXT,
    summary TEXT,
    verified INTEGER NOT NULL DEFAULT 0,
    slots TEXT
);
CREATE INDEX IF NOT EXISTS calls_started ON calls (started_at);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL REFERENCES calls (sid) ON DELETE CASCADE,
    at REAL NOT NULL,
    who TEXT NOT NULL CHECK (who IN ('caller', 'bot')),
    text TEXT NOT NULL,
    intent TEXT,
    score REAL,
    slots TEXT,
    confidence REAL,
    interrupted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS turns_sid ON turns (sid, id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL REFERENCES calls (sid) ON DELETE CASCADE,
    at REAL NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_sid ON events (sid, id);
CREATE TABLE IF NOT EXISTS handoffs (
    sid TEXT PRIMARY KEY REFERENCES calls (sid) ON DELETE CASCADE,
    team TEXT NOT NULL,
    reason TEXT NOT NULL,
    summary TEXT NOT NULL,
    verified INTEGER NOT NULL DEFAULT 0,
    slots TEXT,
    queued_at REAL NOT NULL,
    claimed_by TEXT,
    claimed_at REAL,
    left_at REAL,
    closed_at REAL,
    closed_by TEXT,
    outcome TEXT CHECK (outcome IN ('resolved', 'callback', 'other')),
    note TEXT
);
CREATE INDEX IF NOT EXISTS handoffs_queued ON handoffs (queued_at);
"""

HANDOFF_SELECT = (
    "SELECT h.*, c.from_number, c.verified AS call_verified, c.ended_at, c.status "
    "FROM handoffs h JOIN calls c ON c.sid = h.sid"
)

_PHONE = re.compile(r"\+?\d{6,15}")


def mask_number(number: str) -> str:
    """``+447700900123`` -> ``+44 7*** ***123``: enough to recognise, not enough to dial."""
    compact = re.sub(r"[\s()-]", "", number)
    if not _PHONE.fullmatch(compact):
        return re.sub(r"\d(?=(?:\D*\d){3})", "*", number)  # identities: keep the last 3 digits
    if compact.startswith("+44"):
        national = compact[3:]
        return f"+44 {national[:1]}*** ***{national[-3:]}"
    if compact.startswith("0"):
        return f"{compact[:2]}*** ***{compact[-3:]}"
    head = compact[:3] if compact.startswith("+") else compact[:2]
    return f"{head} *** ***{compact[-3:]}"


def redacted(value: Any) -> Any:
    """``value`` with card-like numbers removed from every string inside it."""
    if isinstance(value, str):
        return redact_numbers(value)
    if isinstance(value, dict):
        return {str(k): redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(v) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact_numbers(str(value))


def iso(at: float | None) -> str | None:
    """Epoch seconds as ISO 8601 in UTC (what the API serves)."""
    if at is None:
        return None
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")


def loads(text: str | None) -> Any:
    return json.loads(text) if text else {}


def call_json(row: sqlite3.Row) -> dict[str, Any]:
    """A ``calls`` row as the API serves it: the number masked, times in ISO 8601."""
    transfer = None
    if row["team"] is not None:
        transfer = {"team": row["team"], "reason": row["transfer_reason"],
                    "summary": row["summary"]}
    return {
        "call_sid": row["sid"],
        "from": mask_number(row["from_number"]),
        "to": row["to_number"],
        "started_at": iso(row["started_at"]),
        "ended_at": iso(row["ended_at"]),
        "status": row["status"],
        "outcome": row["outcome"],
        "reason": row["reason"],
        "transfer_reason": row["transfer_reason"],
        "transfer": transfer,
        "verified": bool(row["verified"]),
        "slots": loads(row["slots"]),
    }


def turn_json(row: sqlite3.Row) -> dict[str, Any]:
    """One turn: who spoke, the (redacted) text, and for the caller what was understood."""
    turn: dict[str, Any] = {"who": row["who"], "text": row["text"], "at": iso(row["at"])}
    if row["who"] == "caller":
        turn["intent"] = row["intent"]
        turn["score"] = row["score"]
        turn["slots"] = loads(row["slots"])
    else:
        turn["interrupted"] = bool(row["interrupted"])
    return turn


def handoff_json(row: sqlite3.Row) -> dict[str, Any]:
    """A queued transfer as agents see it; the number shows in full once the caller is verified.

    Times stay epoch seconds so the desktop can count the wait against the server's clock.
    """
    verified = bool(row["verified"] or row["call_verified"])
    if row["closed_at"] is not None:
        state = "closed"
    elif row["claimed_by"] is not None:
        state = "claimed"
    elif row["left_at"] is not None:
        state = "caller-left"
    else:
        state = "waiting"
    return {
        "call_sid": row["sid"],
        "caller": row["from_number"] if verified else mask_number(row["from_number"]),
        "verified": verified,
        "team": row["team"],
        "reason": row["reason"],
        "summary": row["summary"],
        "slots": loads(row["slots"]),
        "state": state,
        "queued_at": row["queued_at"],
        "claimed_by": row["claimed_by"],
        "claimed_at": row["claimed_at"],
        "left_at": row["left_at"],
        "closed_at": row["closed_at"],
        "closed_by": row["closed_by"],
        "outcome": row["outcome"],
        "note": row["note"],
    }
