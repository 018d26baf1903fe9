"""The speaker with recordings: recorded parts played as recorded, values synthesised, one
level throughout, and each language in its own voice and recordings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from telephony import CallInfo
from tests.voicebot.speech.recorded import studio_take
from voicebot.audio import pcm16_to_float
from voicebot.call.speaker import Speaker
from voicebot.events import CallEvent
from voicebot.speech.levels import speech_level
from voicebot.speech.recordings import load_book


class Line:
    """The carrier side of a call, keeping what was played between marks."""

    def __init__(self) -> None:
        self.info = CallInfo("CA-speaker", "MZ1")
        self.played: list[bytes] = []
        self.marks: list[str] = []

    def events(self) -> AsyncIterator[Any]:
        raise NotImplementedError

    async def play(self, pcm: bytes) -> None:
        self.played.append(pcm)

    async def mark(self, name: str) -> None:
        self.marks.append(name)

    async def clear(self) -> None:
        return None

    async def wait_played(self, name: str, timeout: float) -> bool:  # noqa: ASYNC109
        return True

    async def close(self) -> None:
        return None


class Recorded:
    def __init__(self, language: str, text: str, *files: Path) -> None:
        self.language, self.text, self.files = language, text, files


def level(pcm: bytes) -> float:
    measured = speech_level(pcm16_to_float(pcm), 8000)
    assert measured is not None
    return measured


async def test_a_recorded_part_then_a_synthesised_value_at_one_level(
        engines: Any, tmp_path: Path) -> None:
    take = studio_take(engines, "Your next collection is on", tmp_path / "next.wav",
                       gain_db=-25, rate=44_100)
    book, problems = load_book([Recorded("en", "Your next collection is on {date}.", take)],
                               engines.level)
    assert problems == []
    line = Line()
    events: list[CallEvent] = []
    speaker = Speaker(engines, line, events.append, book)  # type: ignore[arg-type]
    text = "Your next collection is on Wednesday the 2nd of December."
    assert await speaker.say(text)
    recorded = book.pieces(text, "en")[0].clip
    assert recorded is not None
    assert line.played[0] == book.pcm(recorded, 8000)
    assert len(line.played) == 2 and len(line.marks) == 2
    assert abs(level(line.played[0]) - level(line.played[1])) < 2.0
    assert events[-1].data["text"] == text  # the transcript has the whole sentence


async def test_welsh_is_played_from_welsh_recordings_only(engines: Any, tmp_path: Path) -> None:
    welsh = studio_take(engines, "Beth yw cod post yr eiddo?", tmp_path / "cy.wav")
    book, _ = load_book([Recorded("cy", "Beth yw cod post yr eiddo?", welsh)], engines.level)
    line = Line()
    speaker = Speaker(engines, line, lambda event: None, book)  # type: ignore[arg-type]
    await speaker.say("Beth yw cod post yr eiddo?", language="cy")
    # Said on an English call, the same words are the English voice's, not the recording.
    engines.cache.put("Beth yw cod post yr eiddo?", 8000, b"\x01\x00" * 800, "en")
    await speaker.say("Beth yw cod post yr eiddo?", language="en")
    welsh_clip = book.pieces("Beth yw cod post yr eiddo?", "cy")[0].clip
    assert welsh_clip is not None
    assert line.played == [book.pcm(welsh_clip, 8000), b"\x01\x00" * 800]


async def test_a_dynamic_sentence_said_again_is_not_made_again(engines: Any) -> None:
    """A street's collection day is asked for by many callers: it is synthesised once."""
    line = Line()
    speaker = Speaker(engines, line, lambda event: None)  # type: ignore[arg-type]
    text = "Your next garden waste collection is on Friday the 4th of December."
    hits = engines.cache.hits
    await speaker.say(text)
    await speaker.say(text)
    assert engines.cache.hits == hits + 1
    assert line.played[0] == line.played[1]
