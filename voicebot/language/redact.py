"""Sensitive numbers out of text before it is logged, stored or shown to an agent.

The bot never asks for card details, but callers read them out anyway ("my card number is four
five five six..."). Anything card-like is replaced with a marker, whether the recogniser wrote it
as digits ("4556 7375 8689 9855", "4556-7375-8689-9855") or as words; shorter references such as
an eight-digit council tax account or a case number stay readable.
"""

from __future__ import annotations

import re

MARKER = "[redacted number]"

_LONG_NUMBER = re.compile(r"(?<!\d)\d(?:[ -]?\d){11,18}(?!\d)")
"""Card-like runs of 12-19 digits, possibly grouped by spaces or dashes."""

_DIGIT_WORD = (r"(?:zero|oh|nought|one|two|three|four|five|six|seven|eight|nine|double|triple"
               r"|treble|\d)")
_SPOKEN_RUN = re.compile(rf"\b{_DIGIT_WORD}(?:[\s,.-]+{_DIGIT_WORD}){{11,}}\b", re.IGNORECASE)
"""Twelve or more digit words (or digits) in a row: a card number read aloud."""

_CVV = re.compile(r"\b(?:cvv|cvc|security code|three digits on the back)\D{0,20}\d{3,4}\b",
                  re.IGNORECASE)


def redact_numbers(text: str) -> str:
    """Replace card-like numbers (digits or words) and card security codes with a marker."""
    text = _LONG_NUMBER.sub(MARKER, text)
    text = _SPOKEN_RUN.sub(MARKER, text)
    return _CVV.sub(MARKER, text)
