"""Which offered call-back window a caller picked: "Monday morning", "after two", "the soonest".

The windows are offered as data (``window_data``): when each starts and ends, the day as the
caller would name it, and whether it is a morning or an afternoon. An answer is read for a day
("tomorrow", "Tuesday"), a part of the day ("morning", "after lunch"), an hour ("about ten",
"after 3pm"), a position ("the second one") or no preference ("whenever", "the soonest");
what it names narrows the windows offered, and the first left is taken.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from voicebot.flows.actions import CallbackTime

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MORNING = re.compile(r"\b(morning|am|a\.m|before lunch|before (?:12|twelve|noon|midday)|early)\b")
_AFTERNOON = re.compile(r"\b(afternoon|pm|p\.m|after lunch|after (?:12|twelve|noon|midday)|"
                        r"later in the day|evening)\b")
_ANY = re.compile(r"\b(soonest|earliest|first (?:one|time|available|chance)|as soon as|asap|"
                  r"any ?time|whenever|don'?t mind|either|any of them|no preference)\b")
_POSITIONS = {"first": 0, "second": 1, "third": 2, "last": -1}
_HOUR_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
               "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "noon": 12,
               "midday": 12}
_HOUR = re.compile(r"\b(?:(?:at|about|around|after|from|by|for)\s+)+(\d{1,2}|[a-z]+)(?::\d\d)?\s*"
                   r"(am|pm|o'?clock)?\b|\b(\d{1,2})(?::\d\d)?\s*(am|pm|o'?clock)\b")


def window_data(window: CallbackTime, now: datetime) -> dict[str, Any]:
    """A window as the slot's options hold it (JSON-safe, so it can be kept and shown)."""
    days = (window.start.date() - now.date()).days
    when = "today" if days == 0 else "tomorrow" if days == 1 else _DAYS[window.start.weekday()]
    return {"start": window.start.isoformat(), "end": window.end.isoformat(),
            "spoken": window.spoken, "day": _DAYS[window.start.weekday()], "when": when,
            "part": "morning" if window.start.hour < 12 else "afternoon",
            "from_hour": window.start.hour, "to_hour": window.end.hour + (window.end.minute > 0)}


def pick_window(text: str, windows: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The window the words choose among ``windows`` (soonest first), or None."""
    if not windows:
        return None
    words = text.lower()
    named_days = [w for w in windows if _names_day(words, w)]
    pool = named_days or list(windows)
    part = "morning" if _MORNING.search(words) else (
        "afternoon" if _AFTERNOON.search(words) else None)
    if part is not None:
        pool = [w for w in pool if w["part"] == part]
    hour = _hour(words)
    if hour is not None:
        pool = [w for w in pool if int(w["from_hour"]) <= hour < int(w["to_hour"])]
    if named_days or part is not None or hour is not None:
        return pool[0] if pool else None
    for word, index in _POSITIONS.items():
        if re.search(rf"\b{word}\b", words) and (index < len(windows)):
            return windows[index]
    return windows[0] if _ANY.search(words) else None


def _names_day(words: str, window: Mapping[str, Any]) -> bool:
    if window["when"] in ("today", "tomorrow") and re.search(rf"\b{window['when']}\b", words):
        return True
    if window["when"] == "today" and re.search(r"\bthis (morning|afternoon)\b", words):
        return True
    return bool(re.search(rf"\b{window['day']}\b", words))


def _hour(words: str) -> int | None:
    """An hour of the day named in the words, on the 24-hour clock (1 to 7 taken as pm)."""
    for match in _HOUR.finditer(words):
        number, suffix = (match.group(1), match.group(2)) if match.group(1) else (
            match.group(3), match.group(4))
        hour = int(number) if number.isdigit() else _HOUR_WORDS.get(number)
        if hour is not None and hour <= 23:
            return _afternoon(hour, suffix)
    return None


def _afternoon(hour: int, suffix: str | None) -> int:
    """``three`` alone is 3pm (no one books a 3am call back); ``3am`` is what it says."""
    afternoon = suffix == "pm" or (suffix != "am" and hour <= 7)  # "at two": 2pm
    return hour + 12 if afternoon and 1 <= hour < 12 else hour
