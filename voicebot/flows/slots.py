"""Slot values from what the caller said, checked against what the council actually has.

Every hypothesis the recogniser offers is tried; a value found only by fuzzy matching is
marked unsure so the bot confirms it ("Is that L S 6, 2 Q T?") instead of acting on a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from rapidfuzz import fuzz

from voicebot.council.data import CouncilData
from voicebot.flows.schema import SlotDef
from voicebot.flows.windows import pick_window
from voicebot.language.digits import spoken_digits
from voicebot.language.phone import NATIONAL_DIGITS, digits_heard, phone_in
from voicebot.language.spoken import find_postcode, yes_or_no
from voicebot.privacy import card_in, redact_numbers

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@dataclass(frozen=True)
class Parsed:
    value: Any
    unsure: bool = False
    problem: str = ""
    """``unknown`` (well-formed but not the council's), ``missing`` (nothing usable heard)."""
    raw: Any = None


def parse_slot(slot: SlotDef, heard: list[str], council: CouncilData,
               values: Mapping[str, Any], *, keyed: bool = False) -> Parsed:
    """``keyed``: the answer came from the keypad. A keyed account number is exact, so it is
    taken only when it is the council's (a piece of a card keyed at the prompt never is), and
    it is never read back."""
    if not heard:
        return Parsed(None, problem="missing")
    parser = _PARSERS[slot.type]
    parsed = parser(slot, heard, council, values)
    if keyed and slot.type == "account" and parsed.value not in council.accounts:
        return Parsed(None, problem="unknown" if parsed.value else parsed.problem)
    return parsed


def slot_complete(slot: SlotDef, text: str, council: CouncilData,
                  values: Mapping[str, Any]) -> bool:
    """Whether partial words already make a whole answer (used to end the turn early)."""
    if slot.type == "postcode":
        return find_postcode(text) is not None
    if slot.type == "account":
        return len(spoken_digits(text)) >= (slot.digits or 8)
    if slot.type == "yes_no":
        return yes_or_no(text) is not None
    if slot.type == "choice":
        return _choice(slot, [text], council, values).value is not None
    if slot.type == "address":
        return _address(slot, [text], council, values).value is not None
    if slot.type == "phone":
        return digits_heard(text) >= NATIONAL_DIGITS
    if slot.type == "window":
        return _window(slot, [text], council, values).value is not None
    return False


def _postcode(slot: SlotDef, heard: list[str], council: CouncilData,
              values: Mapping[str, Any]) -> Parsed:
    found, sureness = council.match_postcode(heard)
    if found is not None:
        return Parsed(found, unsure=sureness < 1.0)
    said = next((p for t in heard if (p := find_postcode(t))), None)
    if said:
        return Parsed(None, problem="unknown", raw=said)
    return Parsed(None, problem="missing")


def _address(slot: SlotDef, heard: list[str], council: CouncilData,
             values: Mapping[str, Any]) -> Parsed:
    postcode = str(values.get(slot.at or "postcode", ""))
    prop, score = council.match_address(postcode, heard)
    if prop is None:
        return Parsed(None, problem="unknown" if heard else "missing")
    value = {"uprn": prop.uprn, "address": prop.address, "postcode": prop.postcode}
    return Parsed(value, unsure=score < 0.8)


def _account(slot: SlotDef, heard: list[str], council: CouncilData,
             values: Mapping[str, Any]) -> Parsed:
    """Exactly ``digits`` digits (a stutter allowed for), never a part of a longer number: a
    search inside one could make the bot read a real account number back, and nothing that
    holds a card number is taken or echoed. Whether the account exists is for verification.

    A card in the best hearing means the caller read one out: nothing is taken. One only in
    another hearing is a decode that ran on ("4.0042.0004.0004..."): that hearing is passed
    over, and no number inside it is taken from any other."""
    length = slot.digits or 8
    said = [spoken_digits(text) for text in heard]
    carded = [digits for digits in said if card_in(digits)]
    if said[0] in carded:
        return Parsed(None, problem="missing")
    said = [digits for digits in said if digits and not any(digits in c for c in carded)]
    for digits in said:
        if len(digits) == length:
            return Parsed(digits)
        if (stutter := _stutter(digits, length, council)) is not None:
            return Parsed(stutter, unsure=True)
    return Parsed(None, problem="unknown" if said else "missing")


def _stutter(digits: str, length: int, council: CouncilData) -> str | None:
    """One digit too many and a doubled digit: the double was a stutter ("4 4 0 0 1..."). Of
    several such readings, the one that is an account; never a search inside longer numbers."""
    if len(digits) != length + 1:
        return None
    readings = {digits[:i] + digits[i + 1:] for i in range(len(digits) - 1)
                if digits[i] == digits[i + 1]}
    if len(readings) > 1:
        readings = {r for r in readings if r in council.accounts}
    return readings.pop() if len(readings) == 1 else None


def _yes_no(slot: SlotDef, heard: list[str], council: CouncilData,
            values: Mapping[str, Any]) -> Parsed:
    for text in heard:
        answer = yes_or_no(text)
        if answer is not None:
            return Parsed(answer)
    return Parsed(None, problem="missing")


def _choice(slot: SlotDef, heard: list[str], council: CouncilData,
            values: Mapping[str, Any]) -> Parsed:
    best, best_score = None, 0.0
    for text in heard:
        lowered = text.lower()
        for option in slot.options:
            if re.search(rf"\b{re.escape(option.lower())}\b", lowered):
                return Parsed(option)
            score = max(fuzz.partial_ratio(option.lower(), lowered) for _ in (0,)) / 100
            if score > best_score:
                best, best_score = option, score
    if best is not None and best_score >= 0.8:
        return Parsed(best, unsure=True)
    return Parsed(None, problem="missing")


def _number(slot: SlotDef, heard: list[str], council: CouncilData,
            values: Mapping[str, Any]) -> Parsed:
    for text in heard:
        digits = spoken_digits(text)
        if digits and len(digits) < 13 and not card_in(digits):
            return Parsed(int(digits))
    return Parsed(None, problem="missing")


def _date(slot: SlotDef, heard: list[str], council: CouncilData,
          values: Mapping[str, Any]) -> Parsed:
    today = council.today()
    for text in heard:
        lowered = text.lower()
        if "today" in lowered:
            return Parsed(today.isoformat())
        if "yesterday" in lowered:
            return Parsed((today - timedelta(days=1)).isoformat())
        for index, name in enumerate(_WEEKDAYS):
            if name in lowered:
                back = (today.weekday() - index) % 7
                return Parsed((today - timedelta(days=back)).isoformat(), unsure=True)
        match = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)
        if match:
            return Parsed(date.fromisoformat(match.group()).isoformat())
    return Parsed(None, problem="missing")


def _text(slot: SlotDef, heard: list[str], council: CouncilData,
          values: Mapping[str, Any]) -> Parsed:
    text = redact_numbers(heard[0])
    return Parsed(text) if text.strip() else Parsed(None, problem="missing")


def _phone(slot: SlotDef, heard: list[str], council: CouncilData,
           values: Mapping[str, Any]) -> Parsed:
    """A whole UK number (eleven digits from 0, or +44); a card number never is one."""
    for text in heard:
        if (number := phone_in(text)) is not None:
            return Parsed(number)
    said = any(spoken_digits(text) for text in heard)
    return Parsed(None, problem="unknown" if said else "missing")


def _window(slot: SlotDef, heard: list[str], council: CouncilData,
            values: Mapping[str, Any]) -> Parsed:
    """One of the call-back windows offered (``values[at].windows``), picked by day, part of
    the day, hour, position or "the soonest"."""
    offered = values.get(slot.at or "team")
    windows = offered.get("windows", []) if isinstance(offered, Mapping) else []
    for text in heard:
        if (chosen := pick_window(text, windows)) is not None:
            return Parsed(chosen)
    return Parsed(None, problem="missing")


_PARSERS = {
    "postcode": _postcode, "address": _address, "account": _account, "yes_no": _yes_no,
    "choice": _choice, "number": _number, "date": _date, "text": _text, "phone": _phone,
    "window": _window,
}
