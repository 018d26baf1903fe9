"""What the listener is told to expect at each question, from the dialogue's expectation.

The words a question makes likely (its options and phrases) bias recognition, and the
dialogue's own test of a whole answer lets the listener end the turn as soon as it has one.
"""

from __future__ import annotations

from collections.abc import Callable

from voicebot.flows.actions import Expectation
from voicebot.speech.base import Hints

PROMPT_PHRASES = 40
"""Phrases put in Whisper's prompt at most (its prompt is short)."""


def hints_for(expect: Expectation, is_complete: Callable[[str], bool]) -> Hints:
    phrases = tuple(expect.options) + tuple(expect.phrases)
    return Hints(
        expect=expect.slot_type,
        phrases=phrases,
        prompt=", ".join(phrases[:PROMPT_PHRASES]),
        is_complete=is_complete,
        candidates=expect.candidates,
        language=expect.language,
    )
