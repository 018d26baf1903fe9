"""Bank holidays by region, the council's closure days, when a team next opens, and the windows
someone can call back in."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from voicebot.config import load_settings
from voicebot.errors import ConfigError
from voicebot.handoff.calendar import ClosureDay, Closures, Schedule
from voicebot.handoff.hours import OpeningHours
from voicebot.handoff.teams import Teams

LONDON = ZoneInfo("Europe/London")
OFFICE = OpeningHours.parse("Mon-Fri 09:00-17:00")


def local(*when: int) -> datetime:
    return datetime(*when, tzinfo=LONDON)  # type: ignore[misc]


@pytest.mark.parametrize(("day", "region", "closed"), [
    (date(2026, 11, 30), "scotland", "Saint Andrew's Day"),
    (date(2026, 11, 30), "england-and-wales", None),
    (date(2026, 3, 17), "northern-ireland", "Saint Patrick's Day"),
    (date(2026, 3, 17), "scotland", None),
    (date(2026, 8, 3), "scotland", "Summer Bank Holiday"),
    (date(2026, 8, 31), "england-and-wales", "Late Summer Bank Holiday"),
    (date(2026, 8, 31), "scotland", None),
    (date(2027, 1, 1), "england-and-wales", "New Year's Day"),  # next year's, from the package
    (date(2026, 12, 28), "none", None),
])
def test_bank_holidays_are_the_regions(day: date, region: Any, closed: str | None) -> None:
    assert Closures(region).closed(day) == closed


def test_the_councils_own_closures_come_first() -> None:
    closures = Closures("england-and-wales",
                        [ClosureDay(date(2026, 12, 29), date(2026, 12, 31), "the Christmas break")])
    assert closures.closed(date(2026, 12, 30)) == "the Christmas break"
    assert closures.closed(date(2026, 12, 25)) == "Christmas Day"
    assert closures.closed(date(2027, 1, 4)) is None


def test_next_opening_passes_over_holidays_and_closures() -> None:
    closures = Closures("england-and-wales",
                        [ClosureDay(date(2026, 12, 29), date(2026, 12, 31), "the Christmas break")])
    schedule = Schedule(OFFICE, closures)
    christmas_eve = local(2026, 12, 24, 18, 0)
    assert not schedule.is_open(local(2026, 12, 28, 10, 0))  # Boxing Day, observed
    assert schedule.next_opening(christmas_eve) == local(2027, 1, 4, 9, 0)
    assert Schedule(OFFICE, Closures("none")).next_opening(christmas_eve) == local(
        2026, 12, 25, 9, 0)
    always = Schedule(OpeningHours.parse("always"), closures)
    assert always.is_open(local(2026, 12, 25, 3, 0)) and always.next_opening(christmas_eve) is None


def test_call_back_windows_are_the_next_open_days_split_at_midday() -> None:
    schedule = Schedule(OFFICE, Closures("england-and-wales"))
    saturday = schedule.windows(local(2026, 11, 28, 11, 0))
    assert [(w.start, w.end) for w in saturday] == [
        (local(2026, 11, 30, 9, 0), local(2026, 11, 30, 12, 0)),
        (local(2026, 11, 30, 12, 0), local(2026, 11, 30, 17, 0)),
        (local(2026, 12, 1, 9, 0), local(2026, 12, 1, 12, 0)),
        (local(2026, 12, 1, 12, 0), local(2026, 12, 1, 17, 0))]
    # In the afternoon (a busy team): from the next whole hour, at least half an hour away.
    busy = schedule.windows(local(2026, 11, 25, 14, 20))
    assert (busy[0].start, busy[0].end) == (local(2026, 11, 25, 15, 0), local(2026, 11, 25, 17, 0))
    late = schedule.windows(local(2026, 11, 25, 16, 10))  # less than an hour left today
    assert late[0].start == local(2026, 11, 26, 9, 0)
    boxing_day = schedule.windows(local(2026, 12, 24, 12, 30), days=1)
    assert boxing_day[0].start == local(2026, 12, 24, 13, 0)
    after = schedule.windows(local(2026, 12, 24, 17, 30), days=1)
    assert after[0].start == local(2026, 12, 29, 9, 0)  # 25, 26, 27, 28 (observed) pass


def teams(tmp_path: Path, when: datetime, **overrides: Any) -> Teams:
    values: dict[str, Any] = {"state_dir": tmp_path, "transfer_targets": {
        "general": {"hours": "Mon-Fri 09:00-17:00"},
        "housing": {"hours": "Mon-Fri 09:00-17:00",
                    "emergency": {"kind": "number", "address": "+441134960999"}}}}
    settings = load_settings(**{**values, **overrides})
    return Teams(settings, now=lambda: when, waiting=lambda team: 7 if team == "general" else 0)


def test_on_a_closure_day_the_caller_hears_why_and_when(tmp_path: Path) -> None:
    closure = [{"date": "2026-12-29", "to": "2026-12-31", "name": "the Christmas break"}]
    line = teams(tmp_path, local(2026, 12, 30, 10, 0), closure_days=closure)
    assert line.closed_message("general") == (
        "Our customer services team is closed today for the Christmas break. "
        "It opens again on Monday at 9am.")
    boxing = teams(tmp_path, local(2026, 12, 28, 10, 0))
    assert boxing.closed_message("general") == (
        "Our customer services team is closed today for Boxing Day. "
        "It opens again tomorrow at 9am.")
    far = teams(tmp_path, local(2026, 12, 24, 18, 0), closure_days=closure)
    assert far.times("general").reopens == "on Monday the 4th of January 2027 at 9am"


def test_times_say_closed_busy_and_whether_the_emergency_line_answers(tmp_path: Path) -> None:
    night = teams(tmp_path, local(2026, 11, 29, 2, 0))  # 2am on a Sunday
    times = night.times("housing")
    assert not times.open and times.emergency and times.reopens == "tomorrow at 9am"
    assert [w.spoken for w in times.windows] == [
        "tomorrow between 9am and midday", "tomorrow between midday and 5pm",
        "on Tuesday between 9am and midday", "on Tuesday between midday and 5pm"]
    assert night.emergency("housing") is not None and night.emergency("general") is None
    day = teams(tmp_path, local(2026, 11, 24, 11, 0), callbacks={"offer_when_waiting": 5})
    busy = day.times("general")
    assert busy.open and busy.busy and "7 people are waiting" in busy.situation
    assert not day.times("housing").busy
    assert not teams(tmp_path, local(2026, 11, 24, 11, 0)).times("general").busy  # off


def test_closure_days_are_checked_when_the_settings_load(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="before 'date'"):
        load_settings(state_dir=tmp_path, closure_days=[{"date": "2026-12-31",
                                                         "to": "2026-12-29"}])
    with pytest.raises(ConfigError, match="bank_holidays"):
        load_settings(state_dir=tmp_path, bank_holidays="wales")
    with pytest.raises(ConfigError, match=r"emergency\.hours"):
        teams(tmp_path, local(2026, 11, 24, 11, 0), transfer_targets={
            "general": {"emergency": {"address": "x", "hours": "Mon-Fri 9-5"}}})
