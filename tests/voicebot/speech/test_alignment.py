"""A value's last piece is placed in the audio by Whisper's alignment: said, or only written."""

from __future__ import annotations

import pytest

from tests.voicebot.speech.conftest import encoded, phone_line, silence, to_16k
from tests.voicebot.speech.test_expected import POSTCODES
from voicebot.speech.alignment import last_piece_start, said_before_the_pause
from voicebot.speech.base import Hints
from voicebot.speech.engines import SpeechEngines

pytestmark = pytest.mark.slow

PAUSE = 0.16
"""The pause a partial decode's audio ends with (it is made 0.15 s into the caller's pause)."""


def _placed(engines: SpeechEngines, said: str, written: str) -> tuple[float | None, bool]:
    recognizer = engines.recognizer
    audio = to_16k(phone_line(engines, said) + silence(PAUSE))
    prompt = recognizer._prompt(Hints(expect="postcode", phrases=POSTCODES))
    seconds = audio.size / 16000
    audio_encoded = encoded(recognizer, audio)
    start = last_piece_start(recognizer.model, recognizer.tokenizer, audio_encoded, prompt,
                             written, seconds)
    return start, said_before_the_pause(recognizer.model, recognizer.tokenizer, audio_encoded,
                                        prompt, written, seconds, PAUSE)


def test_a_whole_postcode_said_has_its_last_letter_in_the_voice(engines: SpeechEngines) -> None:
    start, said = _placed(engines, "L S six, two Q T.", "LS6 2QT")
    assert said, start
    # the prompt's list said again after the caller's postcode is not the caller's last piece
    start, said = _placed(engines, "L S six, two Q T.", "LS6 2QT, LS6 2QT, LS6 2QT,")
    assert said, start


def test_half_a_postcode_finished_from_the_list_has_its_last_letter_in_the_pause(
        engines: SpeechEngines) -> None:
    start, said = _placed(engines, "M fourteen.", "M14 5RN")
    assert not said, start
