"""Which call-back window a caller picks, in the words callers use (none of these was used while
the reader was written), and the slot that takes a phone number said or keyed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from voicebot.council.data import CouncilData
from voicebot.flows.actions import CallbackTime
from voicebot.flows.schema import SlotDef
from voicebot.flows.slots import parse_slot, slot_complete
from voicebot.flows.windows import pick_window, window_data
from voicebot.handoff.hours import spoken_window
from voicebot.language.phone import national, phone_in, say_phone

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 29, 2, 0, tzinfo=LONDON)  # 2am on a Sunday


def offered() -> list[dict[str, object]]:
    spans = [((30, 9), (30, 12)), ((30, 12), (30, 17)), ((1, 9), (1, 12)), ((1, 12), (1, 17))]
    windows = []
    for (day1, hour1), (day2, hour2) in spans:
        month = 11 if day1 == 30 else 12
        start = datetime(2026, month, day1, hour1, tzinfo=LONDON)
        end = datetime(2026, month, day2, hour2, tzinfo=LONDON)
        windows.append(window_data(CallbackTime(start, end, spoken_window(start, end, NOW)), NOW))
    return windows


@pytest.mark.parametrize(("said", "index"), [
    ("tomorrow morning would be great", 0),
    ("Monday please, after lunch", 1),
    ("could you ring on the Tuesday", 2),
    ("tuesday afternoon", 3),
    ("any time really, I'm in all day", 0),
    ("the earliest you can", 0),
    ("the second one", 1),
    ("the last one", 3),
    ("about ten o'clock", 0),
    ("after 2pm if possible", 1),
    ("Tuesday at around three", 3),
    ("make it the afternoon", 1),
])
def test_a_window_is_picked_by_day_part_hour_or_position(said: str, index: int) -> None:
    windows = offered()
    assert pick_window(said, windows) == windows[index]


@pytest.mark.parametrize("said", ["I don't know", "what", "Saturday", "at eight in the evening"])
def test_words_that_pick_no_window_offered_pick_none(said: str) -> None:
    assert pick_window(said, offered()) is None


def test_the_window_slot_reads_the_teams_windows() -> None:
    slot = SlotDef(type="window", at="team")
    values = {"team": {"windows": offered()}}
    parsed = parse_slot(slot, ["Tuesday morning"], CouncilData(), values)
    assert parsed.value is not None and parsed.value["spoken"] == (
        "on Tuesday between 9am and midday")
    assert parse_slot(slot, ["Tuesday"], CouncilData(), {}).value is None  # nothing offered
    assert slot_complete(slot, "tomorrow", CouncilData(), values)


@pytest.mark.parametrize(("said", "number"), [
    ("it's oh seven seven double oh, nine double oh, one two three", "07700900123"),
    ("zero one one three four nine six nought nought nought nought", "01134960000"),
    ("plus forty four seven seven double oh nine double oh one two three", "07700900123"),
    ("0161 496 0123", "01614960123"),
    ("oh seven seven double oh", None),  # not whole
    ("four one one one one one one one one one one one one one one one", None),  # a card
    ("00 44 7700 900123", "07700900123"),
])
def test_a_phone_number_said_or_keyed(said: str, number: str | None) -> None:
    assert phone_in(said) == number
    parsed = parse_slot(SlotDef(type="phone"), [said], CouncilData(), {})
    assert parsed.value == number


def test_caller_ids_and_read_back() -> None:
    assert national("+447700900123") == "07700900123"
    assert national("anonymous") is None and national("+12025550123") is None
    assert national("client:browser-phone") is None
    assert say_phone("07700900123") == "0 7 7 0 0, 9 0 0, 1 2 3"
    assert say_phone("01134960000") == "0 1 1 3, 4 9 6, 0 0 0 0"
