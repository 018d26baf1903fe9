"""How long personal data is kept: one function, so the whole policy can be read in one place.

Calls (with their turns, events and queue entries) and missed-bin cases go after the retention
period, except a call whose call back or message is still open: those, and the conversation the
agent reads with them, stay until someone closes them, and then go with the call; desktop
sessions when they expire; call outcomes and agent whispers (Twilio asks for
them within minutes of the call) after a day.
"""

from __future__ import annotations

from voicebot.storage import Connection

SHORT_LIVED_SECONDS = 86_400.0
"""Outcomes and whispers are kept a day: long after Twilio's last request, short for privacy."""


def purge(conn: Connection, now: float, retention_days: int | None) -> dict[str, int]:
    """Delete what is past its time; returns how many rows went, by table."""
    deleted = {
        "sessions": conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now,)).rowcount,
        "outcomes": conn.execute("DELETE FROM outcomes WHERE started_at < ?",
                                 (now - SHORT_LIVED_SECONDS,)).rowcount,
        "whispers": conn.execute("DELETE FROM whispers WHERE created_at < ?",
                                 (now - SHORT_LIVED_SECONDS,)).rowcount,
        "admissions": conn.execute("DELETE FROM admissions WHERE until < ?", (now,)).rowcount,
    }
    if retention_days is not None:
        cutoff = now - retention_days * 86_400
        # turns, events and handoffs go with their call (ON DELETE CASCADE)
        deleted["calls"] = conn.execute(
            "DELETE FROM calls WHERE started_at < ? "
            "AND sid NOT IN (SELECT sid FROM callbacks WHERE closed_at IS NULL) "
            "AND sid NOT IN (SELECT sid FROM messages WHERE closed_at IS NULL)",
            (cutoff,)).rowcount
        deleted["callbacks"] = conn.execute(
            "DELETE FROM callbacks WHERE closed_at IS NOT NULL AND created_at < ?",
            (cutoff,)).rowcount
        deleted["messages"] = conn.execute(
            "DELETE FROM messages WHERE closed_at IS NOT NULL AND created_at < ?",
            (cutoff,)).rowcount
        deleted["cases"] = conn.execute("DELETE FROM cases WHERE created < ?",
                                        (cutoff,)).rowcount
    return {table: count for table, count in deleted.items() if count}
