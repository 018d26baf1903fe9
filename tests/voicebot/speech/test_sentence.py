"""What reads as a finished sentence (a shorter pause ends the turn) and what does not."""

from __future__ import annotations

import pytest

from voicebot.speech.sentence import reads_finished


@pytest.mark.parametrize("text", [
    "Where is my bin corrected?",
    "Hello, can you tell me when I mean my correct deed?",
    "The wagon never came down our road.",
])
def test_a_whole_sentence_with_its_closing_mark_is_finished(text: str) -> None:
    assert reads_finished(text)


@pytest.mark.parametrize("text", [
    "I'm ringing about my",  # no closing mark
    "I'm ringing about my council tax,",  # a clause, more to come
    "I'm calling about the.",  # Whisper's full stop on a word nobody ends on
    "Can I just, erm.",
    "Yes please.",  # too short to judge by its shape
    "Well I was wondering...",  # trailing off
    "",
])
def test_a_sentence_left_open_is_not(text: str) -> None:
    assert not reads_finished(text)
