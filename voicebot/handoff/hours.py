"""Opening hours: parsed from a line staff can write, told back to callers as a sentence.

The format is ``Mon-Fri 09:00-17:00; Sat 09:00-12:00`` (day ranges or lists, then one or more
time ranges; ``24:00`` ends at midnight; an end before the start runs past midnight), ``always``
or ``never``. Times are wall-clock times in the council's time zone, so clock changes need no
special handling. Pure: the caller passes the local time in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from voicebot.errors import ConfigError
from voicebot.language.spoken import say_date

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEK = 7 * 24 * 60
_GROUP = re.compile(r"^(?P<days>[A-Za-z][A-Za-z ,\-]*?)\s+(?P<times>\d.*)$")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
FORMAT_HINT = "write it like 'Mon-Fri 09:00-17:00; Sat 09:00-12:00', 'always' or 'never'"


@dataclass(frozen=True)
class OpeningHours:
    """When a team answers: per weekday (0 = Monday), a tuple of (start, end) minutes."""

    days: tuple[tuple[tuple[int, int], ...], ...]
    always: bool = False

    @classmethod
    def parse(cls, text: str) -> OpeningHours:
        """Parse staff-written hours; raises ``ConfigError`` saying what is wrong and how to fix."""
        spec = text.strip()
        if spec.lower() in {"always", "24/7"}:
            return cls(days=((),) * 7, always=True)
        if spec.lower() == "never":
            return cls(days=((),) * 7)
        per_day: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for group in filter(None, (part.strip() for part in spec.split(";"))):
            match = _GROUP.match(group)
            if match is None:
                raise _bad(text, f"'{group}' should be days then times")
            ranges = [_time_range(text, part) for part in match["times"].split(",")]
            for day in _days(text, match["days"]):
                per_day[day].extend(ranges)
        if not any(per_day):
            raise _bad(text, "no opening times given")
        return cls(days=tuple(tuple(sorted(ranges)) for ranges in per_day))

    def _intervals(self) -> list[tuple[int, int]]:
        """Opening intervals in minutes from Monday 00:00; may run past the end of the week."""
        return [(day * 1440 + start, day * 1440 + end)
                for day, ranges in enumerate(self.days) for start, end in ranges]

    def is_open(self, local: datetime) -> bool:
        if self.always:
            return True
        minute = local.weekday() * 1440 + local.hour * 60 + local.minute
        return any(start <= at < end for start, end in self._intervals()
                   for at in (minute, minute + _WEEK))

    def next_opening(self, local: datetime) -> datetime | None:
        """When the line next opens after ``local`` (None if always open or never open)."""
        if self.always or not any(self.days):
            return None
        minute = local.weekday() * 1440 + local.hour * 60 + local.minute
        ahead = min((start - minute) % _WEEK or _WEEK for start, _ in self._intervals())
        return local.replace(second=0, microsecond=0) + timedelta(minutes=ahead)

    def describe(self) -> str:
        """``Monday to Friday, 9am to 5pm, and Saturday, 9am to midday``."""
        if self.always:
            return "every day, at any time"
        runs: list[tuple[int, int, tuple[tuple[int, int], ...]]] = []
        for day, ranges in enumerate(self.days):
            if runs and runs[-1][2] == ranges and runs[-1][1] == day - 1:
                runs[-1] = (runs[-1][0], day, ranges)
            elif ranges:
                runs.append((day, day, ranges))
        return _join([f"{_day_span(first, last)}, {_ranges_text(ranges)}"
                      for first, last, ranges in runs])


def spoken_time(minutes: int) -> str:
    """Minutes after midnight as a caller would say them: 9am, 5:30pm, midday, midnight."""
    minutes %= 1440
    if minutes == 0:
        return "midnight"
    if minutes == 720:
        return "midday"
    hour, minute = divmod(minutes, 60)
    suffix = "am" if hour < 12 else "pm"
    hour = hour % 12 or 12
    return f"{hour}{suffix}" if minute == 0 else f"{hour}:{minute:02d}{suffix}"


def spoken_opening(opening: datetime, now: datetime) -> str:
    """``today at 1pm``, ``tomorrow at 9am``, ``on Monday at 9am`` (within the week) or
    ``on Monday the 4th of January at 9am`` (further off, after a closure)."""
    at = spoken_time(opening.hour * 60 + opening.minute)
    return f"{spoken_day(opening.date(), now.date())} at {at}"


def spoken_day(day: date, today: date) -> str:
    """``today``, ``tomorrow``, ``on Monday`` (within the week) or ``on Monday the 4th of
    January``."""
    days = (day - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days < 7:
        return f"on {DAY_NAMES[day.weekday()]}"
    return f"on {say_date(day, today)}"


def spoken_window(start: datetime, end: datetime, now: datetime) -> str:
    """``on Monday between 9am and midday``: a call-back window as a caller hears it."""
    return (f"{spoken_day(start.date(), now.date())} between "
            f"{spoken_time(start.hour * 60 + start.minute)} and "
            f"{spoken_time(end.hour * 60 + end.minute)}")


def _bad(text: str, why: str) -> ConfigError:
    return ConfigError("bad-opening-hours", f"opening hours {text!r}: {why}; {FORMAT_HINT}")


def _day(text: str, word: str) -> int:
    name = word.strip().lower()
    for index, full in enumerate(DAY_NAMES):
        if len(name) >= 3 and full.lower().startswith(name):
            return index
    raise _bad(text, f"'{word.strip()}' is not a day (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)")


def _days(text: str, spec: str) -> list[int]:
    if spec.strip().lower() in {"daily", "every day"}:
        return list(range(7))
    days: list[int] = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        if "-" in item:
            first_word, last_word = item.split("-", 1)
            first, last = _day(text, first_word), _day(text, last_word)
            days.extend((first + offset) % 7 for offset in range((last - first) % 7 + 1))
        else:
            days.append(_day(text, item))
    if not days:
        raise _bad(text, "no days given")
    return days


def _time_range(text: str, part: str) -> tuple[int, int]:
    match = _RANGE.match(part.strip())
    if match is None:
        raise _bad(text, f"'{part.strip()}' is not a time range like 09:00-17:00")
    hour1, min1, hour2, min2 = (int(group) for group in match.groups())
    if hour1 > 23 or min1 > 59 or hour2 > 24 or min2 > 59 or (hour2 == 24 and min2 != 0):
        raise _bad(text, f"'{part.strip()}' has an impossible time")
    start, end = hour1 * 60 + min1, hour2 * 60 + min2
    if start == end:
        raise _bad(text, f"'{part.strip()}' opens and closes at the same time")
    return (start, end if end > start else end + 1440)


def _day_span(first: int, last: int) -> str:
    if first == last:
        return DAY_NAMES[first]
    if last == first + 1:
        return f"{DAY_NAMES[first]} and {DAY_NAMES[last]}"
    if first == 0 and last == 6:
        return "every day"
    return f"{DAY_NAMES[first]} to {DAY_NAMES[last]}"


def _ranges_text(ranges: tuple[tuple[int, int], ...]) -> str:
    return " and ".join(f"{spoken_time(start)} to {spoken_time(end)}" for start, end in ranges)


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + ", and " + parts[-1]
