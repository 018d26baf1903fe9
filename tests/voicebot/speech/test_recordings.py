"""Recorded prompts: checked, converted and brought to the voice's level when loaded, and
split from the values the voice still says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.voicebot.speech.recorded import studio_take, write_wav
from voicebot.audio import pcm16_to_float
from voicebot.speech.levels import speech_level
from voicebot.speech.prompt_book import Clip, PromptBook
from voicebot.speech.recordings import (
    BOOK_RATE,
    RecordingError,
    load_book,
    prepare,
    read_wav,
)


def tone(seconds: float, rate: int, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * 220 * t) * level).astype(np.float32)


def test_a_studio_file_is_converted_trimmed_and_brought_to_the_voices_level(
        engines: Any, tmp_path: Path) -> None:
    target = engines.level("en")
    path = studio_take(engines, "What's the postcode of the property?", tmp_path / "a.wav")
    raw, rate = read_wav(path)
    assert rate == 48_000
    assert speech_level(raw, rate) is not None
    assert speech_level(raw, rate) < target - 10  # type: ignore[operator]
    audio = prepare(path, target)
    assert audio.source_rate == 48_000
    assert abs(speech_level(audio.samples, BOOK_RATE) - target) < 1.0  # type: ignore[operator]
    assert float(np.abs(audio.samples).max()) < 1.0
    # The 0.6 s of room noise on either side is gone, bar a few tens of milliseconds.
    spoken = len(engines.synthesizer.render("What's the postcode of the property?")) / 2
    spoken_seconds = spoken / engines.synthesizer.sample_rate
    assert len(audio.samples) / BOOK_RATE < spoken_seconds + 0.3


def test_24_bit_mono_files_are_read(engines: Any, tmp_path: Path) -> None:
    path = studio_take(engines, "Goodbye.", tmp_path / "b.wav", rate=22_050, channels=1,
                       width=3, gain_db=-6)
    samples, rate = read_wav(path)
    assert rate == 22_050
    assert 0.2 < float(np.abs(samples).max()) < 0.6


@pytest.mark.parametrize(("make", "says"), [
    (lambda p: write_wav(p, tone(1.0, 16_000, level=1.2), 16_000), "clipped"),
    (lambda p: write_wav(p, tone(1.0, 6_000), 6_000), "6000 Hz"),
    (lambda p: write_wav(p, np.zeros(16_000, dtype=np.float32), 16_000), "no speech"),
    (lambda p: p.write_bytes(b"RIFF not really a wave file"), "not a readable PCM WAV"),
    (lambda p: None, "missing"),
])
def test_unusable_recordings_say_what_is_wrong(tmp_path: Path, make: Any, says: str) -> None:
    path = tmp_path / "take.wav"
    make(path)
    with pytest.raises(RecordingError, match=says):
        prepare(path, -17.0)


class Prompt:
    def __init__(self, language: str, text: str, *files: Path) -> None:
        self.language, self.text, self.files = language, text, files


def test_load_book_returns_each_bad_file_with_its_prompt(tmp_path: Path) -> None:
    good = write_wav(tmp_path / "good.wav", tone(0.5, 8_000), 8_000)
    fine = Prompt("en", "Hello.", good)
    broken = Prompt("en", "Goodbye.", tmp_path / "absent.wav")
    book, problems = load_book([fine, broken], lambda language: -20.0)
    assert [(p, "absent.wav" in m) for p, m in problems] == [(broken, True)]
    assert [p.clip is not None for p in book.pieces("Hello.", "en")] == [True]
    assert book.pieces("Goodbye.", "en")[0].clip is None


def clip(name: str, seconds: float = 0.5) -> Clip:
    return Clip(name, tone(seconds, BOOK_RATE), BOOK_RATE)


def test_recorded_parts_and_synthesised_values_are_told_apart() -> None:
    book = PromptBook()
    book.add("en", "Your next collection is on {date}.", [clip("next")])
    book.add("en", "Sorry, I didn't catch that. {question}", [clip("sorry")])
    book.add("en", "What's the postcode of the property?", [clip("postcode")])
    book.add("cy", "Beth yw cod post yr eiddo?", [clip("cod-post")])
    pieces = book.pieces("Your next   collection is on Wednesday the 2nd of December.", "en")
    assert [(p.text, p.clip.name if p.clip else None) for p in pieces] == [
        ("Your next collection is on", "next"), ("Wednesday the 2nd of December.", None)]
    nested = book.pieces("Sorry, I didn't catch that. What's the postcode of the property?",
                         "en")
    assert [p.clip.name if p.clip else p.text for p in nested] == ["sorry", "postcode"]
    assert [p.clip.name for p in book.pieces("Beth yw cod post yr eiddo?", "cy")
            if p.clip] == ["cod-post"]
    # English text on a Welsh call is not played from the Welsh recordings, nor the reverse.
    assert book.pieces("Beth yw cod post yr eiddo?", "en")[0].clip is None
    assert book.pieces("Something else entirely.", "en") == [
        type(pieces[0])("Something else entirely.")]


def test_a_clip_is_converted_to_the_call_rate_once() -> None:
    book = PromptBook()
    recorded = clip("hello", 1.0)
    book.add("en", "Hello.", [recorded])
    pcm = book.pcm(recorded, 8000)
    assert len(pcm) == 2 * 8000
    assert book.pcm(recorded, 8000) is pcm
    level = speech_level(pcm16_to_float(pcm), 8000)
    assert level is not None
    assert abs(level - speech_level(recorded.samples, BOOK_RATE)) < 0.5  # type: ignore[operator]
