"""A call never goes quiet on a fault: no reply in time, or recognition that breaks, is an
apology and a transfer, recorded as a fault.

The session runs the real dialogue, the real ``MediaStreamCall`` and real records in SQLite
(``test_session.session``); only the caller's side (the listener's results) is scripted.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.voicebot.call.test_session import SID, session
from voicebot.call.handing import APOLOGY
from voicebot.call.listener import Broken, Heard, SpeechStarted
from voicebot.call.watchdog import NoReply, TurnWatchdog
from voicebot.errors import RecognitionError
from voicebot.flows.actions import Action, CallerTurn
from voicebot.speech.base import Hints, Transcript


class ScriptedCaller:
    """A listener that gives these results once the bot has asked, then nothing more."""

    def __init__(self, *results: Any) -> None:
        self.results = list(results)
        self.asked = asyncio.Event()

    def expect(self, hints: Hints) -> None:
        self.asked.set()

    def feed(self, frame: Any) -> None:
        pass

    def playback(self, playing: bool) -> None:
        pass

    async def next(self) -> Any:
        await self.asked.wait()
        if self.results:
            await asyncio.sleep(0.05)
            return self.results.pop(0)
        await asyncio.Event().wait()


class StuckDialogue:
    """The real dialogue, except that its answer to the caller's words never comes (a lookup
    that hangs, a bug that waits on something that never happens)."""

    def __init__(self, dialogue: Any) -> None:
        self.dialogue = dialogue
        self.verified, self.slots = False, {}

    async def start(self) -> list[Action]:
        actions: list[Action] = await self.dialogue.start()
        return actions

    async def hear(self, turn: CallerTurn) -> list[Action]:
        await asyncio.Event().wait()
        return []

    def is_complete(self, text: str) -> bool:
        return False

    closing = False


def heard(text: str) -> Heard:
    return Heard(Transcript(text=text, confidence=0.9))


async def run_call(tmp_path: Path, listener: Any, **options: Any) -> tuple[Any, Any, Any]:
    async with session(tmp_path, listener=listener, **options) as (call, records, speaker):
        outcome = await asyncio.wait_for(call.run(), 30)
        stored = records.get_call(SID)
    return outcome, stored, speaker


async def test_a_turn_with_no_reply_in_time_is_an_apology_and_a_transfer(tmp_path: Path) -> None:
    caller = ScriptedCaller(SpeechStarted(), heard("when are my bins collected"))
    outcome, stored, speaker = await run_call(
        tmp_path, caller, dialogue_as=StuckDialogue, watchdog=TurnWatchdog(reply_seconds=0.5))
    assert outcome.kind == "transfer"
    assert speaker.said[-1] == APOLOGY
    assert stored is not None and stored["outcome"] == "error", stored
    assert "no-reply" in stored["transfer_reason"]


async def test_speech_that_never_gets_a_result_is_a_fault_not_dead_air(tmp_path: Path) -> None:
    caller = ScriptedCaller(SpeechStarted())  # the recogniser's task died: no result, ever
    outcome, stored, speaker = await run_call(
        tmp_path, caller, quick=True, watchdog=TurnWatchdog(hearing_seconds=0.5))
    assert outcome.kind == "transfer"
    assert speaker.said[-1] == APOLOGY
    assert stored is not None and stored["outcome"] == "error"
    assert "no-result" in stored["transfer_reason"]


async def test_a_failed_recognition_is_recorded_as_a_fault(tmp_path: Path) -> None:
    broken = Broken(RecognitionError("asr-failed", "the model could not decode"))
    outcome, stored, speaker = await run_call(
        tmp_path, ScriptedCaller(SpeechStarted(), broken))
    assert outcome.kind == "transfer"
    assert speaker.said[-1] == APOLOGY
    assert stored is not None and stored["outcome"] == "error"
    assert "asr-failed" in stored["transfer_reason"]


async def test_a_listener_that_raises_is_a_fault(tmp_path: Path) -> None:
    class Raising(ScriptedCaller):
        async def next(self) -> Any:
            await self.asked.wait()
            raise ValueError("features of an empty window")

    outcome, stored, speaker = await run_call(tmp_path, Raising())
    assert outcome.kind == "transfer" and speaker.said[-1] == APOLOGY
    assert stored is not None and stored["outcome"] == "error"
    assert "listener-failed" in stored["transfer_reason"]


async def test_the_watchdog_passes_a_prompt_reply_and_names_a_late_one() -> None:
    watchdog = TurnWatchdog(reply_seconds=0.2)
    assert await watchdog.reply(asyncio.sleep(0.01, result="ok")) == "ok"
    with pytest.raises(NoReply) as late:
        await watchdog.reply(asyncio.sleep(5))
    assert late.value.code == "no-reply"
    watchdog.overdue(10.0, 10.0 + watchdog.hearing_seconds)  # just in time: no error
    with pytest.raises(NoReply):
        watchdog.overdue(10.0, 10.1 + watchdog.hearing_seconds)
