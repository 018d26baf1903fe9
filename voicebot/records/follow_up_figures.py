"""What supervisors read about the line out of hours, over any range of days.

Call backs requested, done, not reached and overdue (overdue: still open after the window
closed, counted now, whatever the range), messages left and still unread, emergency transfers,
and every call by hour of the day and by day of the week on the council's clock. Times are
grouped here rather than in SQL so the same figures come out of SQLite and PostgreSQL, and a
test can check them exactly. ``as_csv`` writes one row per number for a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, tzinfo
from typing import Any

from voicebot.records.days import day_span
from voicebot.records.follow_ups import callback_json
from voicebot.records.store import CallRecords
from voicebot.storage import Connection

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def follow_up_figures(records: CallRecords, first: date, last: date, zone: tzinfo
                      ) -> dict[str, Any]:
    """The figures for the days ``first`` to ``last`` (both included, in ``zone``)."""
    start, end = day_span(first, last, zone)
    now = records.now()

    def query(conn: Connection) -> dict[str, Any]:
        span = (start, end)
        requested = _count(conn, "SELECT count(*) AS n FROM callbacks WHERE created_at >= ? "
                                 "AND created_at < ?", span)
        closed = {r["state"]: int(r["n"]) for r in conn.execute(
            "SELECT state, count(*) AS n FROM callbacks WHERE closed_at >= ? AND closed_at < ? "
            "GROUP BY state", span)}
        overdue = conn.execute(
            "SELECT b.*, c.from_number FROM callbacks b LEFT JOIN calls c ON c.sid = b.sid "
            "WHERE b.closed_at IS NULL AND b.window_end < ? ORDER BY b.window_end",
            (now,)).fetchall()
        started = [float(r["started_at"]) for r in conn.execute(
            "SELECT started_at FROM calls WHERE started_at >= ? AND started_at < ?", span)]
        return {
            "from": first.isoformat(), "to": last.isoformat(),
            "callbacks_requested": requested,
            "callbacks_done": closed.get("done", 0),
            "callbacks_not_reached": closed.get("not-reached", 0),
            "callbacks_open": _count(conn, "SELECT count(*) AS n FROM callbacks "
                                           "WHERE closed_at IS NULL", ()),
            "callbacks_overdue": len(overdue),
            "overdue": [callback_json(row, now) for row in overdue],
            "messages": _count(conn, "SELECT count(*) AS n FROM messages WHERE created_at >= ? "
                                     "AND created_at < ?", span),
            "messages_open": _count(conn, "SELECT count(*) AS n FROM messages "
                                          "WHERE closed_at IS NULL", ()),
            "emergency_transfers": _count(conn, "SELECT count(*) AS n FROM handoffs WHERE "
                                                "emergency = 1 AND queued_at >= ? AND "
                                                "queued_at < ?", span),
            "calls": len(started),
            **_by_time(started, zone),
        }

    return records.read(query)


def _count(conn: Connection, sql: str, params: tuple[Any, ...]) -> int:
    return int(conn.execute(sql, params).fetchone()["n"])


def _by_time(started: list[float], zone: tzinfo) -> dict[str, Any]:
    hours, days = [0] * 24, [0] * 7
    for at in started:
        local = datetime.fromtimestamp(at, zone)
        hours[local.hour] += 1
        days[local.weekday()] += 1
    return {"calls_by_hour": [{"hour": f"{h:02d}:00", "calls": n} for h, n in enumerate(hours)],
            "calls_by_weekday": [{"day": d, "calls": n} for d, n in zip(WEEKDAYS, days,
                                                                         strict=True)]}


SUMMARY = ("calls", "callbacks_requested", "callbacks_done", "callbacks_not_reached",
           "callbacks_open", "callbacks_overdue", "messages", "messages_open",
           "emergency_transfers")


def as_csv(figures: dict[str, Any]) -> str:
    """One row per number: ``figure,detail,value`` (a spreadsheet can pivot them)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["figure", "detail", "value"])
    writer.writerow(["from", "", figures["from"]])
    writer.writerow(["to", "", figures["to"]])
    for name in SUMMARY:
        writer.writerow([name, "", figures[name]])
    for row in figures["calls_by_hour"]:
        writer.writerow(["calls_by_hour", row["hour"], row["calls"]])
    for row in figures["calls_by_weekday"]:
        writer.writerow(["calls_by_weekday", row["day"], row["calls"]])
    return out.getvalue()
