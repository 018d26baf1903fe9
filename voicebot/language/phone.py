"""UK phone numbers as callers say or key them, and as the bot reads them back.

A number to call back is taken in the national form (``07700900123``: eleven digits from a
leading 0), whether the caller said "oh seven seven double oh...", keyed it, or gave it with
``+44``/``0044`` in front. The national form also keeps it below the length from which text is
treated as a card number, so it stays readable in the records.
"""

from __future__ import annotations

import re

from voicebot.language.digits import spoken_digits
from voicebot.privacy import card_in

NATIONAL_DIGITS = 11


def national(number: str) -> str | None:
    """``+44 7700 900123``, ``0044...``, ``07700 900123`` -> ``07700900123``; None if it is
    not a whole UK number (a caller ID that is withheld, foreign or a browser's name)."""
    digits = re.sub(r"\D", "", number)
    if number.strip().startswith("+") or digits.startswith("00"):
        digits = digits.removeprefix("00")
        if not digits.startswith("44"):
            return None
        digits = "0" + digits[2:]
    return digits if _whole(digits) else None


def phone_in(text: str) -> str | None:
    """The UK number said or keyed in ``text`` (digits in words, "double", "oh"), or None."""
    if re.search(r"(?:\+|\bplus\s+)\s*(?:4\s*4|forty[\s-]*four)", text, re.IGNORECASE):
        text = re.sub(r"(?:\+|\bplus\s+)\s*(?:4\s*4|forty[\s-]*four)", " 0 ", text,
                      flags=re.IGNORECASE)
    digits = spoken_digits(text)
    if not digits or card_in(digits):
        return None
    for prefix in ("0044", "44"):  # 0044 7700... or 44 7700..., said without the plus
        if digits.startswith(prefix) and len(digits) == NATIONAL_DIGITS - 1 + len(prefix):
            digits = "0" + digits[len(prefix):]
    return digits if _whole(digits) else None


def digits_heard(text: str) -> int:
    """How many digits of a number the words hold so far (the turn may wait for the rest)."""
    return len(spoken_digits(text))


def say_phone(number: str) -> str:
    """Read back in the groups people use: ``0 7 7 0 0, 9 0 0, 1 2 3`` for a mobile,
    ``0 1 1 3, 4 9 6, 0 0 0 0`` for a city number; the last three for "ending in"."""
    if len(number) != NATIONAL_DIGITS:
        return " ".join(number)
    sizes = (4, 3, 4) if number.startswith(("01", "02")) else (5, 3, 3)
    groups, at = [], 0
    for size in sizes:
        groups.append(" ".join(number[at:at + size]))
        at += size
    return ", ".join(groups)


def say_ending(number: str) -> str:
    """The last three digits, read out: ``1 2 3``."""
    return " ".join(number[-3:])


def _whole(digits: str) -> bool:
    return len(digits) == NATIONAL_DIGITS and digits.startswith("0") and digits[1] != "0"
