"""Card data and other sensitive numbers: the one place they are recognised and removed.

The bot never asks for card details, but callers read them out or key them in anyway. Text is
redacted before it is logged, stored, shown to an agent or sent to the carrier, in the forms the
recogniser really writes: digits grouped by spaces, commas, dots or dashes, numbers in words
("forty five fifty six, seventy three ..."), and security codes ("the code on the back is 321").
Shorter references such as an eight-digit account or a case number stay readable.

Keypad entries are judged across the whole call by ``KeypadLedger``: a card number keyed in
pieces (the session hands the dialogue one piece per prompt) is still a card number.
Foundation level: imports nothing from the rest of voicebot.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

MARKER = "[redacted number]"
CARD_RUN = 12
"""Digits in a row (spoken or written) from which text is treated as a card number. Shorter
than any card (13), so a number cut short by the recogniser is caught too; longer than a UK
phone number (11), so those stay readable."""
CARD_LENGTHS = range(13, 20)
"""Lengths of real card numbers (ISO/IEC 7812)."""

_UNITS = {"zero": "0", "oh": "0", "o": "0", "nought": "0", "nil": "0", "one": "1", "two": "2",
          "three": "3", "four": "4", "for": "4", "five": "5", "six": "6", "seven": "7",
          "eight": "8", "nine": "9"}
_TEENS = {"ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
          "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
          "nineteen": "19"}
_TENS = {"twenty": "2", "thirty": "3", "forty": "4", "fourty": "4", "fifty": "5", "sixty": "6",
         "seventy": "7", "eighty": "8", "ninety": "9"}
_REPEAT = {"double": 2, "triple": 3, "treble": 3}
_FILLER = {"um", "uh", "er", "erm", "ah", "hmm", "and", "then"}
"""Words a caller puts between groups of a number without ending it."""
_TOKEN = re.compile(r"[A-Za-z\d]*[A-Za-z][A-Za-z\d]*|\d+|[^\sA-Za-z\d]")
"""Words (letters, or letters and digits together: a call id, "LS6", "5pm"), digit runs, and
single marks. Digits inside an identifier are not a number said: a Twilio call id in a log
line must stay whole, or nobody can follow the call."""
_SEPARATOR = set(",.-\u2013\u2014/:;")
_SECURITY = re.compile(
    r"\b(?:cvv2?|cvc2?|cv2|csc|cid|security\s+(?:code|number|digits)"
    r"|(?:code|number|digits)\s+(?:on|at|from)\s+the\s+back"
    r"|(?:three|3|four|4)[\s-]*digit\s+code|card\s+(?:security|verification)\s+(?:code|value))"
    r"\b", re.IGNORECASE)
_SECURITY_AFTER = 40
_SECURITY_BEFORE = 25
"""How far (characters) after, or before, a security-code phrase its number may be."""


@dataclass(frozen=True)
class _Run:
    """A stretch of text that reads as one number, and the digits it says."""

    start: int
    end: int
    digits: str


def number_runs(text: str) -> Iterator[_Run]:
    """Numbers in the text however they are written: "4556, 7375", "forty five fifty six"."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    run: list[tuple[int, int, str]] = []
    pending: list[str] = []  # separators and fillers seen since the last number token
    index = 0
    while index < len(tokens):
        start, _, word = tokens[index]
        digits, used = _digits_at(tokens, index)
        if digits:
            run.append((start, tokens[index + used - 1][1], digits))
            pending = []
            index += used
            continue
        if run and (word in _SEPARATOR or (word.lower() in _FILLER and len(pending) < 2)):
            pending.append(word)
        else:
            if run:
                yield _Run(run[0][0], run[-1][1], "".join(d for _, _, d in run))
            run, pending = [], []
        index += 1
    if run:
        yield _Run(run[0][0], run[-1][1], "".join(d for _, _, d in run))


def _digits_at(tokens: list[tuple[int, int, str]], index: int) -> tuple[str, int]:
    """The digits the token at ``index`` says, and how many tokens that took (0: none)."""
    word = tokens[index][2].lower()
    following = tokens[index + 1][2].lower() if index + 1 < len(tokens) else ""
    if word.isdigit():
        return word, 1
    single = following.isdigit() and len(following) == 1
    if word in _REPEAT and (following in _UNITS or single):
        return _UNITS.get(following, following) * _REPEAT[word], 2
    if word in _TENS:
        if following in _UNITS and _UNITS[following] != "0" and following not in {"o", "oh"}:
            return _TENS[word] + _UNITS[following], 2
        return _TENS[word] + "0", 1
    if word in _TEENS:
        return _TEENS[word], 1
    if word in _UNITS:
        return _UNITS[word], 1
    if word == "hundred":
        return "00", 1
    return "", 0


def redact_numbers(text: str) -> str:
    """``text`` with card-like numbers and card security codes replaced by ``MARKER``."""
    spans: list[tuple[int, int]] = []
    runs = list(number_runs(text))
    spans += [(r.start, r.end) for r in runs if len(r.digits) >= CARD_RUN]
    for phrase in _SECURITY.finditer(text):
        for run in (r for r in runs if 3 <= len(r.digits) <= 4):
            if phrase.end() <= run.start <= phrase.end() + _SECURITY_AFTER:
                spans.append((phrase.start(), run.end))
            elif phrase.start() - _SECURITY_BEFORE <= run.end <= phrase.start():
                spans.append((run.start, phrase.end()))
    return _replace(text, spans)


def _replace(text: str, spans: list[tuple[int, int]]) -> str:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + MARKER + text[end:]
    return text


def redacted(value: Any) -> Any:
    """``value`` with card-like numbers removed from every string inside it."""
    if isinstance(value, str):
        return redact_numbers(value)
    if isinstance(value, dict):
        return {str(k): redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(v) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact_numbers(str(value))


def luhn_valid(digits: str) -> bool:
    """The check every payment card number passes (and a mistyped one almost never does)."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def card_in(digits: str) -> str | None:
    """A Luhn-valid card-length run inside a string of digits, if there is one."""
    for length in reversed(CARD_LENGTHS):
        for start in range(len(digits) - length + 1):
            if luhn_valid(candidate := digits[start : start + length]):
                return candidate
    return None


_PHONE = re.compile(r"\+?\d{6,15}")


def mask_number(number: str) -> str:
    """``+447700900123`` -> ``+44 7*** ***123``: enough to recognise, not enough to dial."""
    compact = re.sub(r"[\s()-]", "", number)
    if not _PHONE.fullmatch(compact):
        return re.sub(r"\d(?=(?:\D*\d){3})", "*", number)  # identities: keep the last 3 digits
    if compact.startswith("+44"):
        national = compact[3:]
        return f"+44 {national[:1]}*** ***{national[-3:]}"
    if compact.startswith("0"):
        return f"{compact[:2]}*** ***{compact[-3:]}"
    head = compact[:3] if compact.startswith("+") else compact[:2]
    return f"{head} *** ***{compact[-3:]}"


class RedactingFormatter(logging.Formatter):
    """Redacts what a record says, its traceback and stack included, so no handler can leak;
    the line's own fields (the time, the level) are left as they are, or every timestamp would
    read as a redacted number."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        said = record.message
        record.message = redact_numbers(said)
        try:
            return super().formatMessage(record)
        finally:
            record.message = said

    def formatException(self, ei: Any) -> str:
        return redact_numbers(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact_numbers(super().formatStack(stack_info))


class RedactingFilter(logging.Filter):
    """Rewrites each record's message after formatting its arguments (for foreign handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_numbers(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


# -- keypad entries across a call --

KEY_GAP = 30.0
"""Seconds without a key press after which keypad entries no longer join into one number.
A card keyed in pieces between the bot's reprompts comes within seconds; a second account
number keyed after a failed check comes a minute or more later."""


@dataclass
class KeypadLedger:
    """Every keypad entry of one call, judged together.

    The session hands the dialogue entries of the expected length, so a card number keyed at
    an account prompt arrives in pieces ("45567375", "86899855", or "455673758", "6", ...).
    Each piece is harmless alone; the ledger sees what they make together. ``entry`` says
    whether the entry just completed ends a Luhn-valid 13-19 digit number made of whole
    entries (or holds one itself); those pieces are then remembered, so that ``scrub`` keeps
    them out of anything shown later, and judging starts afresh.

    Only numbers that start where an entry starts count: a card is keyed from its first digit
    at a prompt, and a looser rule would take ordinary entries for cards far more often (one
    run of random digits in ten passes the Luhn check).
    """

    gap: float = KEY_GAP
    clock: Callable[[], float] = time.monotonic
    _entries: list[str] = field(default_factory=list, init=False)
    _last: float | None = field(default=None, init=False)
    withheld: list[str] = field(default_factory=list, init=False)
    """Pieces of card numbers found so far (kept in memory for this call only)."""

    def press(self, key: str) -> None:
        """One key; after a long pause, the entries before it no longer join with later ones."""
        now = self.clock()
        if self._last is not None and now - self._last > self.gap:
            self._entries = []
        self._last = now

    def entry(self, keyed: str) -> bool:
        """The session has an entry ready: does it finish a card number?"""
        digits = re.sub(r"\D", "", keyed)
        if not digits:
            return False
        self._entries.append(digits)
        if card_in(digits) is not None:
            return self._found(1)
        for first in range(len(self._entries) - 1, -1, -1):
            joined = "".join(self._entries[first:])
            if len(joined) > CARD_LENGTHS[-1]:
                break
            if len(joined) in CARD_LENGTHS and luhn_valid(joined) and not _doubled(joined):
                return self._found(len(self._entries) - first)
        return False

    def _found(self, pieces: int) -> bool:
        self.withheld += self._entries[-pieces:]
        self._entries = []
        return True

    def scrub(self, value: Any) -> Any:
        """``value`` (slots, any JSON-like value) without card pieces or card-like numbers."""
        if isinstance(value, str):
            compact = re.sub(r"\D", "", value)
            if compact and any(piece in compact or compact in piece
                               for piece in self.withheld if len(compact) >= 4):
                return MARKER
            return redact_numbers(value)
        if isinstance(value, dict):
            return {str(k): self.scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub(v) for v in value]
        return redacted(value)


def _doubled(digits: str) -> bool:
    """One number keyed twice ("4001928340001928"): a retry, not a card, though an even-length
    Luhn-valid number repeated is itself Luhn-valid."""
    half = len(digits) // 2
    return len(digits) % 2 == 0 and digits[:half] == digits[half:]
