"""Keypad entry for one call: key presses -> whole entries, each judged with the whole call.

An entry is complete at the expected number of digits, at '#', or after a pause. Every entry
goes through the call's ``KeypadLedger``, so a card number keyed in pieces is recognised when
its last piece arrives, and nothing a handover shows carries any piece of it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from voicebot.privacy import KeypadLedger

DIGIT_PAUSE = 3.0
"""Seconds after the last keypress before a shorter-than-expected entry is taken as complete."""
HIDDEN_KEY = "\u2022"
"""What a keyed digit looks like in call events: digits are never carried, only counted."""


@dataclass(frozen=True)
class KeyEntry:
    digits: str
    card: bool = False
    """The entry finishes a card number keyed across the call: it must go nowhere."""


class Keypad:
    """Collects one call's key presses into entries and hands each to ``deliver``."""

    def __init__(self, deliver: Callable[[KeyEntry], None], pause: float = DIGIT_PAUSE) -> None:
        self._deliver = deliver
        self._pause = pause
        self.ledger = KeypadLedger()
        self.max_digits = 1
        """How many digits make a whole entry now (set from what the dialogue expects)."""
        self._digits = ""
        self._deadline = 0.0

    @staticmethod
    def shown(key: str) -> str:
        return HIDDEN_KEY if key.isdigit() else key

    def press(self, key: str) -> None:
        self.ledger.press(key)
        if key == "#":
            self._enter(self._digits or "#")
            return
        self._digits += key
        self._deadline = time.monotonic() + self._pause
        if len(self._digits) >= self.max_digits:
            self._enter(self._digits)
        elif len(self._digits) == 1:
            asyncio.get_running_loop().call_later(self._pause, self._flush)

    def _flush(self) -> None:
        if not self._digits:
            return
        remaining = self._deadline - time.monotonic()
        if remaining > 0.05:
            asyncio.get_running_loop().call_later(remaining, self._flush)
            return
        self._enter(self._digits)

    def _enter(self, entry: str) -> None:
        self._digits = ""
        self._deliver(KeyEntry(entry, card=self.ledger.entry(entry)))


class DialogueView(Protocol):
    """What a handover may read of the dialogue: whether the caller is verified, and slots."""

    @property
    def verified(self) -> bool: ...

    @property
    def slots(self) -> Any: ...


@dataclass(frozen=True)
class ScrubbedView:
    """The dialogue as a handover sees it: slots as plain values, with no piece of a keyed
    card number and nothing card-like in them."""

    dialogue: DialogueView
    ledger: KeypadLedger

    @property
    def verified(self) -> bool:
        return self.dialogue.verified

    @property
    def slots(self) -> Any:
        return self.ledger.scrub(plain(self.dialogue.slots))


def plain(slots: Any) -> dict[str, Any]:
    """Slots as JSON-safe values for records and the agent desktop."""
    try:
        items = dict(slots)
    except (TypeError, ValueError):
        return {}
    return {key: value if isinstance(value, (str, int, float, bool)) or value is None
            else str(value) for key, value in items.items()}
