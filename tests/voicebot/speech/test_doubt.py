"""A loud stretch the VAD doubted counts as words only when Whisper is sure and the words fit
the question: checked on verdicts, and on real decodes of sounds that are not words."""

from __future__ import annotations

import numpy as np
import pytest

from bench.line import noise_only
from bench.questions import hints_by_kind
from voicebot.audio import Resampler, pcm16_to_float
from voicebot.speech.base import Transcript
from voicebot.speech.doubt import held_words
from voicebot.speech.engines import SpeechEngines


def test_a_sure_digit_is_a_piece_of_the_account_number_even_with_a_high_no_speech_score() -> None:
    assert held_words(Transcript("8", 0.88, no_speech_probability=0.67), "account", False)


def test_an_unsure_decode_is_no_words_whatever_it_says() -> None:
    assert not held_words(Transcript("Oh", 0.34, no_speech_probability=0.59), "account", False)
    assert not held_words(Transcript("Yeah.", 0.23, no_speech_probability=0.38), "yes_no",
                          True)


def test_sure_words_count_only_when_they_answer_or_are_a_piece_of_the_value() -> None:
    assert held_words(Transcript("Nope.", 0.6), "yes_no", True)
    assert not held_words(Transcript("Thank you.", 0.9), "account", False)
    assert not held_words(Transcript("Four", 0.9), None, False)


@pytest.mark.slow
async def test_whisper_finds_no_words_in_a_breath_a_cough_or_a_thud(
        engines: SpeechEngines) -> None:
    """Primed with the question's hints Whisper says "Oh", "Yeah." or "B1." about these
    sounds; none of those decodes may pass for words."""
    hints = await hints_by_kind({"request", "yes_no", "postcode", "account"})
    for sound in ("breath", "cough", "thud", "burst"):
        for seed in range(4):
            line = noise_only(sound, seed)
            pcm = b"".join(f for f in line.frames if f is not None)
            audio = Resampler(8000, 16000).process(pcm16_to_float(pcm))[int(2.5 * 16000):]
            for kind, hint in hints.items():
                transcript = await engines.recognizer.transcribe(audio.astype(np.float32), hint)
                answers = bool(hint.is_complete and hint.is_complete(transcript.text))
                assert not held_words(transcript, hint.expect, answers), (
                    sound, seed, kind, transcript)
