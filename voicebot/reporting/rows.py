"""The calls of a range of days as the figures need them: one ``CallRow`` per call.

Read in one query over the calls table (its own ``intent`` and satisfaction columns, the team
and reason of a transfer), so the arithmetic in ``kpi`` stays pure and testable.
"""

from __future__ import annotations

from datetime import date, tzinfo

from voicebot.records import CallRecords
from voicebot.records.days import day_span
from voicebot.reporting.kpi import CallRow
from voicebot.storage import Connection


def call_rows(records: CallRecords, first: date, last: date, zone: tzinfo) -> list[CallRow]:
    """Every call started in the range (blocking: call it in a thread)."""
    start, end = day_span(first, last, zone)

    def query(conn: Connection) -> list[CallRow]:
        rows = conn.execute(
            "SELECT started_at, ended_at, outcome, intent, team, transfer_reason, "
            "satisfaction_asked, satisfaction FROM calls WHERE started_at >= ? AND started_at < ? "
            "ORDER BY started_at", (start, end)).fetchall()
        return [CallRow(float(r["started_at"]), _number(r["ended_at"]), r["outcome"],
                        r["intent"], r["team"], r["transfer_reason"],
                        bool(r["satisfaction_asked"]), r["satisfaction"]) for r in rows]

    return records.read(query)


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
