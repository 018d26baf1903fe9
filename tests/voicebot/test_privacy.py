"""Card data never reaches logs, records, agents or the carrier; short references stay readable.

The spoken forms are the ones Whisper writes for a card number read aloud on a phone line.
"""

from __future__ import annotations

import logging
import sys

import pytest

from voicebot import privacy
from voicebot.privacy import MARKER, KeypadLedger, card_in, luhn_valid, redact_numbers

CARD = "4556737586899855"  # Luhn-valid test number (no real account)


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
    ("my number is 07700 900123", "my number is 07700 900123"),
    ("I've got 3 bins and 2 boxes at number 21", "I've got 3 bins and 2 boxes at number 21"),
])
def test_what_was_already_redacted_still_is(text: str, expected: str) -> None:
    assert redact_numbers(text) == expected


SPOKEN_CARDS = [
    "It's 4556, 7375, 8689, 9855.",
    "4556. 7375. 8689. 9855",
    "4556 - 7375 - 8689 - 9855",
    "4556  7375  8689  9855",
    "the long number is 4556,7375,8689,9855 okay",
    "forty five fifty six seventy three seventy five eighty six eighty nine ninety eight "
    "fifty five",
    "Forty-five, fifty-six, seventy-three, seventy-five, eighty-six, eighty-nine, ninety-eight, "
    "fifty-five.",
    "four five five six, seven three seven five, eight six eight nine, double nine eight "
    "double five",
    "4556 seven three seven five 8689 9855",
    "4556 7375, um, 8689 9855",
]


@pytest.mark.parametrize("text", SPOKEN_CARDS)
def test_spoken_card_numbers_are_normalised_before_redaction(text: str) -> None:
    clean = redact_numbers(text)
    assert MARKER in clean
    assert not any(group in clean for group in ("4556", "7375", "8689", "9855", "fifty six",
                                                 "fifty-six", "eighty six", "seventy three"))


@pytest.mark.parametrize(("text", "kept"), [
    ("the code on the back is 321", ""),
    ("and the security code is three two one", "and "),
    ("CVC: 4 5 6", ""),
    ("321 is the security number", ""),
    ("the three digit code on the back, it's 987", ""),
])
def test_security_codes_are_redacted(text: str, kept: str) -> None:
    clean = redact_numbers(text)
    assert clean.startswith(kept) and MARKER in clean
    assert not any(code in clean for code in ("321", "three two one", "4 5 6", "987"))


def test_redaction_leaves_the_words_around_it() -> None:
    assert redact_numbers("my card is 4556, 7375, 8689, 9855, and my bins were missed") == (
        f"my card is {MARKER}, and my bins were missed")


@pytest.mark.parametrize(("digits", "valid"), [
    (CARD, True), ("4111111111111111", True), ("4556737586899856", False), ("", False),
    ("79927398713", True), ("79927398710", False), ("45567375x6899855", False),
])
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


def test_a_card_inside_a_longer_digit_string_is_found() -> None:
    assert card_in("99" + CARD + "1") == CARD
    assert card_in("4001928") is None


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def key_in(ledger: KeypadLedger, clock: Clock, entry: str, pause: float = 0.4) -> bool:
    for key in entry:
        clock.now += pause
        ledger.press(key)
    return ledger.entry(entry)


@pytest.mark.parametrize("pieces", [
    ["455673758", "6", "899855"],
    ["45567375", "86899855"],
    ["4556", "7375", "8689", "9855"],
    ["1", "4556737586899855"],
    list(CARD),
])
def test_a_card_keyed_in_pieces_is_seen_whole(pieces: list[str]) -> None:
    clock = Clock()
    ledger = KeypadLedger(clock=clock)
    verdicts = []
    for piece in pieces:
        verdicts.append(key_in(ledger, clock, piece))
        clock.now += 8  # the bot reprompts between pieces
    assert verdicts[-1] and not any(verdicts[:-1])
    assert "".join(ledger.withheld).endswith(CARD)
    shown = ledger.scrub({"account": pieces[0], "postcode": "LS6 2QT"})
    assert shown["postcode"] == "LS6 2QT"
    assert shown["account"] == (MARKER if len(pieces[0]) >= 4 else pieces[0])


def test_pieces_keyed_far_apart_are_separate_numbers() -> None:
    clock = Clock()
    ledger = KeypadLedger(clock=clock)
    assert not key_in(ledger, clock, CARD[:8])
    clock.now += 60  # a failed check, a question and an answer later
    assert not key_in(ledger, clock, CARD[8:])


@pytest.mark.parametrize("entries", [["40019283", "40019283"], ["4001928", "40019283"],
                                     ["40019283", "1", "0"]])
def test_ordinary_entries_are_not_cards(entries: list[str]) -> None:
    clock = Clock()
    ledger = KeypadLedger(clock=clock)
    assert not any(key_in(ledger, clock, entry) for entry in entries)
    assert ledger.scrub({"account": "40019283"}) == {"account": "40019283"}


def test_after_a_card_the_next_entry_starts_afresh() -> None:
    clock = Clock()
    ledger = KeypadLedger(clock=clock)
    assert key_in(ledger, clock, CARD)
    assert not key_in(ledger, clock, "40019283")


def test_logs_are_redacted_tracebacks_included() -> None:
    formatter = privacy.RedactingFormatter("%(message)s")
    try:
        raise ValueError(f"bad value {CARD}")
    except ValueError:
        record = logging.getLogger("t").makeRecord("t", logging.ERROR, __file__, 1,
                                                   "card %s", ("4556 7375 8689 9855",), None)
        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    assert CARD not in text and "4556 7375" not in text and MARKER in text


def test_digits_inside_an_identifier_are_not_a_number() -> None:
    line = "call CA1a59cc193140300021eda0503c09bf50: media stream MZ4111111111111111ab started"
    assert privacy.redact_numbers(line) == line
    assert MARKER in privacy.redact_numbers(f"CA1a59cc1931: card {CARD} keyed")


def test_a_log_line_keeps_its_time_while_its_message_is_redacted() -> None:
    formatter = privacy.RedactingFormatter("%(asctime)s %(levelname)s %(message)s")
    record = logging.getLogger("t").makeRecord("t", logging.INFO, __file__, 1,
                                               "card %s", (CARD,), None)
    record.created = 1795000000.25  # 2026-11-18, an instant whose digits look like anything
    text = formatter.format(record)
    assert text.startswith(formatter.formatTime(record)), text
    assert CARD not in text and MARKER in text


def test_every_module_redacts_with_the_privacy_module() -> None:
    from voicebot import logs
    from voicebot.handoff import transfer
    from voicebot.records import shapes, writes

    for module in (logs, writes, transfer):
        assert module.redact_numbers is privacy.redact_numbers
    assert writes.redacted is privacy.redacted and transfer.redacted is privacy.redacted
    assert shapes.mask_number is privacy.mask_number
