"""Card-like numbers never reach logs, records or agents; short references stay readable."""

import pytest

from voicebot.language.redact import MARKER, redact_numbers
from voicebot.logs import redact_numbers as logs_redact


@pytest.mark.parametrize(("text", "expected"), [
    ("my card is 4556737586899855", f"my card is {MARKER}"),
    ("card 4556 7375 8689 9855 thanks", f"card {MARKER} thanks"),
    ("4556-7375-8689-9855", MARKER),
    ("four five five six seven three seven five eight six eight nine nine eight five five",
     MARKER),
    ("the cvv is 123", f"the {MARKER}"),
    ("account 40019283", "account 40019283"),
    ("reference 4 0 0, 1 9 2", "reference 4 0 0, 1 9 2"),
    ("four oh oh one nine two eight three", "four oh oh one nine two eight three"),
    ("phone 0113 496 0000", "phone 0113 496 0000"),
])
def test_redaction(text: str, expected: str) -> None:
    assert redact_numbers(text) == expected


def test_logs_uses_the_same_redaction() -> None:
    assert logs_redact is redact_numbers
