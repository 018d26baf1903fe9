"""The shapes a stored call is served in (JSON); the tables are made by ``voicebot.storage``'s
migrations.

Kept apart from the writer so the privacy rules are easy to see: numbers are masked on the way
out, and card-like numbers are redacted on the way in (both by ``voicebot.privacy``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from voicebot.privacy import mask_number
from voicebot.storage import Row

HANDOFF_SELECT = (
    "SELECT h.*, c.from_number, c.verified AS call_verified, c.ended_at, c.status, "
    "c.language "
    "FROM handoffs h JOIN calls c ON c.sid = h.sid"
)

def iso(at: float | None) -> str | None:
    """Epoch seconds as ISO 8601 in UTC (what the API serves)."""
    if at is None:
        return None
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")


def loads(text: str | None) -> Any:
    return json.loads(text) if text else {}


def call_json(row: Row) -> dict[str, Any]:
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
        "language": row["language"],
    }


def turn_json(row: Row) -> dict[str, Any]:
    """One turn: who spoke, the (redacted) text, and for the caller what was understood."""
    turn: dict[str, Any] = {"who": row["who"], "text": row["text"], "at": iso(row["at"])}
    if row["who"] == "caller":
        turn["intent"] = row["intent"]
        turn["score"] = row["score"]
        turn["slots"] = loads(row["slots"])
    else:
        turn["interrupted"] = bool(row["interrupted"])
    return turn


def handoff_json(row: Row) -> dict[str, Any]:
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
        "language": row["language"],
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
        "emergency": bool(row["emergency"]),
    }
