"""A range of days on the council's clock, as the instants the figures' queries compare with.

Every figure is for whole days in the council's time zone (a clock change makes a day 23 or 25
hours long), and one range rule serves them all.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

LONGEST_RANGE_DAYS = 366


def day_span(first: date, last: date, zone: tzinfo) -> tuple[float, float]:
    """When the day ``first`` begins and the day ``last`` ends, in ``zone`` (both included);
    a range backwards or longer than a year is a ``ValueError`` a person can read."""
    if last < first:
        raise ValueError("the range ends before it starts")
    if (last - first).days >= LONGEST_RANGE_DAYS:
        raise ValueError(f"choose at most {LONGEST_RANGE_DAYS} days")
    start = datetime.combine(first, time(), zone).timestamp()
    return start, datetime.combine(last + timedelta(days=1), time(), zone).timestamp()
