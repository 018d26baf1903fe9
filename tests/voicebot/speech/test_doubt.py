"""A loud stretch the VAD doubted counts as words only when Whisper is sure and the words fit
the question: checked on verdicts, and on real decodes of sounds that are not words."""

from __future__ import annotations

import numpy as np
import pytest

from bench.line import noise_only
from bench.questions import hints_by_kind
from voicebot.audio import Resampler, pcm16_to_float
from voicebot.speech.base import Transcript
from voicebot.speech.doubt import agrees, held_words, worth_a_second_opinion
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


def test_an_unsure_answer_from_a_voiced_stretch_gets_a_second_opinion() -> None:
    assert worth_a_second_opinion(Transcript("Yep", 0.25), "yes_no", True, voiced=0.06)
    assert worth_a_second_opinion(Transcript("2", 0.19), "account", False, voiced=0.1)


def test_no_second_opinion_for_a_sure_decode_an_unvoiced_one_or_no_answer() -> None:
    assert not worth_a_second_opinion(Transcript("Yes.", 0.7), "yes_no", True, voiced=0.1)
    assert not worth_a_second_opinion(Transcript("Yeah.", 0.22), "yes_no", True, voiced=0.0)
    assert not worth_a_second_opinion(Transcript("Do", 0.03), "yes_no", False, voiced=0.1)
    assert not worth_a_second_opinion(Transcript("Thank you.", 0.3), "account", False,
                                      voiced=0.2)


def test_the_unprompted_decode_agrees_on_the_same_words_figures_or_yes_or_no() -> None:
    assert agrees(Transcript("2", 0.19), Transcript("Two.", 0.27))
    assert agrees(Transcript("Yes", 0.14), Transcript("Yeah", 0.21))
    assert agrees(Transcript("Nope.", 0.2), Transcript("No.", 0.3))
    assert not agrees(Transcript("2", 0.19), Transcript("TOOP!", 0.25))
    assert not agrees(Transcript("agent.", 0.3), Transcript("Asian", 0.84))
    assert not agrees(Transcript("Yes", 0.3), Transcript("No.", 0.3))
    assert not agrees(Transcript("3", 0.3), Transcript("3", 0.05))  # too unsure to witness


def test_the_unprompted_decode_agrees_when_it_finds_the_primed_words_as_likely_as_its_own(
        ) -> None:
    """Its beam lost them: "Tube.." written, "2" scored 4.6 likelier (a quick "Two.")."""
    assert agrees(Transcript("2", 0.12), Transcript("Tube..", 0.55, reading_gap=-4.63))
    assert agrees(Transcript("agent.", 0.18), Transcript("Adam..", 0.28, reading_gap=0.0))
    assert not agrees(Transcript("1 2 3 4 1", 0.33),
                      Transcript("1 2 3 4", 0.25, reading_gap=0.92))
    assert not agrees(Transcript("2", 0.19), Transcript("TOOP!", 0.25))  # nothing weighed
    assert not agrees(Transcript("2", 0.19), Transcript("Tube.", 0.05, reading_gap=-3.0))


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
