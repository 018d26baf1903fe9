"""Days a team is shut although its weekly hours say open: bank holidays and closure days.

Bank holidays come from the maintained ``holidays`` package for the council's region (England
and Wales share theirs; Scotland and Northern Ireland have their own), never from a list typed
into the code, so next year's dates (and one-off holidays) arrive with a package update. The
council adds its own closure days in the settings, for example the days between Christmas and
New Year. ``Schedule`` joins a team's weekly ``OpeningHours`` with these days. Pure: the caller
passes the local time in.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

import holidays

from voicebot.handoff.hours import OpeningHours

Region = Literal["england-and-wales", "scotland", "northern-ireland", "none"]
SUBDIVISIONS = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}
"""The ``holidays`` package's codes for the UK's bank-holiday regions."""
SEARCH_DAYS = 400
"""How far ahead the next opening is looked for (a team closed for longer counts as never)."""


@dataclass(frozen=True)
class ClosureDay:
    """A run of days the council is closed (``first`` to ``last``, both included)."""

    first: date
    last: date
    name: str = "a closure day"


class Closures:
    """The days a region's bank holidays and the council's own closures shut its teams."""

    def __init__(self, region: Region = "england-and-wales",
                 own: Iterable[ClosureDay] = ()) -> None:
        self.region = region
        self._bank = (holidays.country_holidays("GB", subdiv=SUBDIVISIONS[region])
                      if region in SUBDIVISIONS else None)
        self._own = tuple(own)

    def closed(self, day: date) -> str | None:
        """What the day is ("Christmas Day", "the Christmas closure"), or None on a working day."""
        for closure in self._own:
            if closure.first <= day <= closure.last:
                return closure.name
        if self._bank is not None:
            name = self._bank.get(day)
            if name:
                return str(name).split(";")[0].strip()
        return None


@dataclass(frozen=True)
class Window:
    """A stretch of opening hours someone can call a caller back in (local wall-clock times)."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Schedule:
    """A team's weekly hours with the days it is shut; ``always`` stays open on those too."""

    hours: OpeningHours
    closures: Closures

    @property
    def always(self) -> bool:
        return self.hours.always

    @property
    def never(self) -> bool:
        return not self.hours.always and not any(self.hours.days)

    def is_open(self, local: datetime) -> bool:
        if self.hours.always:
            return True
        return self.hours.is_open(local) and self.closures.closed(local.date()) is None

    def closed_today(self, local: datetime) -> str | None:
        """The bank holiday or closure day ``local`` falls on, for a team that would open."""
        if self.always or not self.hours.days[local.weekday()]:
            return None
        return self.closures.closed(local.date())

    def next_opening(self, local: datetime) -> datetime | None:
        """When the team next opens after ``local``, passing over holidays and closures."""
        if self.always or self.never:
            return None
        at = local
        while (at - local).days < SEARCH_DAYS:
            opening = self.hours.next_opening(at)
            if opening is None:
                return None
            if self.closures.closed(opening.date()) is None:
                return opening
            at = opening
        return None

    def windows(self, local: datetime, days: int = 2, split: int = 12 * 60,
                notice: int = 30) -> list[Window]:
        """Call-back windows on the next ``days`` days the team opens: each day's opening
        split at ``split`` minutes (midday), starting at least ``notice`` minutes from now,
        from the next whole hour when a window has already begun."""
        found: list[Window] = []
        day = local.date()
        for _ in range(SEARCH_DAYS):
            if len({w.start.date() for w in found}) >= days:
                break
            if self.closures.closed(day) is None or self.always:
                found += self._day_windows(local, day, split, notice)
            day += timedelta(days=1)
        kept_days = sorted({w.start.date() for w in found})[:days]
        return [w for w in found if w.start.date() in kept_days]

    def _day_windows(self, local: datetime, day: date, split: int, notice: int
                     ) -> list[Window]:
        midnight = datetime.combine(day, time(), local.tzinfo)
        earliest = local + timedelta(minutes=notice)
        windows = []
        for start, end in self.hours.days[day.weekday()] if not self.always else ((540, 1020),):
            cuts = [start, *([split] if start < split < end else []), end]
            for first, last in itertools.pairwise(cuts):
                begin, finish = (midnight + timedelta(minutes=first),
                                 midnight + timedelta(minutes=last))
                if begin < earliest:
                    begin = (earliest + timedelta(minutes=59)).replace(minute=0, second=0,
                                                                       microsecond=0)
                if finish - begin >= timedelta(hours=1):
                    windows.append(Window(begin, finish))
        return windows
