"""How a call ends: a silent caller is recorded as silent, and a call has a maximum length.

The session runs the real dialogue (flows, demo data), the real ``MediaStreamCall`` over an
in-memory wire that echoes marks as Twilio does, the real handoff and real call records in
SQLite. The listener hears nothing (the caller is silent) and the speaker only records what
it was asked to say, taking a moment per sentence as playing audio would.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telephony.call import CallInfo, Outcome
from telephony.twilio import messages
from telephony.twilio.call import MediaStreamCall
from voicebot.call.handing import TIME_UP
from voicebot.call.listener import Heard
from voicebot.call.session import CallSession
from voicebot.call.tasks import settle as _settle
from voicebot.call.watchdog import TurnWatchdog
from voicebot.council.actions import Services
from voicebot.council.data import CouncilData
from voicebot.events import CallEvent, CallEventType, fan_out
from voicebot.flows.actions import Action, CallerTurn, Listen
from voicebot.flows.conversation_tests import AlwaysOpen, fixed_today
from voicebot.flows.engine import Dialogue
from voicebot.flows.registry import build
from voicebot.handoff import Handoff
from voicebot.records import CallRecords
from voicebot.speech.base import Hints, Transcript

ROOT = Path(__file__).resolve().parents[3]
SID = "CA" + "5" * 32


class EchoingWire:
    """Twilio's end of the socket: keeps what was sent and echoes each mark."""

    def __init__(self) -> None:
        self.call: MediaStreamCall | None = None
        self.sent: list[dict[str, Any]] = []

    async def send_text(self, text: str) -> None:
        message = json.loads(text)
        self.sent.append(message)
        if message["event"] == "mark" and self.call is not None:
            self.call.receive(messages.mark_in(len(self.sent), "MZ1", message["mark"]["name"]))

    async def close(self) -> None:
        pass


class SilentCaller:
    """The listener for a caller who says nothing at all."""

    def expect(self, hints: Hints) -> None:
        pass

    def feed(self, frame: Any) -> None:
        pass

    def playback(self, playing: bool) -> None:
        pass

    async def next(self) -> Any:
        await asyncio.Event().wait()


class ScriptedCaller:
    """The listener for a caller who answers each question with the next line, then hangs up."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)
        self.call: MediaStreamCall | None = None
        self._asked: asyncio.Queue[None] = asyncio.Queue()

    def expect(self, hints: Hints) -> None:
        self._asked.put_nowait(None)

    def feed(self, frame: Any) -> None:
        pass

    def playback(self, playing: bool) -> None:
        pass

    async def next(self) -> Any:
        await self._asked.get()
        if self.lines:
            return Heard(Transcript(self.lines.pop(0), 0.95))
        assert self.call is not None
        self.call.receive(messages.stop_in(99, "MZ1", SID, "AC" + "0" * 32))
        await asyncio.Event().wait()


class Speaker:
    def __init__(self, events: Any, seconds: float = 0.05) -> None:
        self.said: list[str] = []
        self.events, self.seconds = events, seconds

    async def say(self, text: str, interruptible: bool = True, language: str = "en",
                  timing: Any = None) -> bool:
        self.said.append(text)
        self.events(CallEvent(CallEventType.SAY, SID, {"text": text}))
        await asyncio.sleep(self.seconds)
        return True


class QuickSilences:
    """The real dialogue, waiting 0.3 s instead of 6 s before counting a silence."""

    def __init__(self, dialogue: Dialogue) -> None:
        self.dialogue = dialogue
        self.verified, self.slots = False, {}

    def _quick(self, actions: list[Action]) -> list[Action]:
        return [Listen(a.expect, 0.3) if isinstance(a, Listen) else a for a in actions]

    async def start(self) -> list[Action]:
        return self._quick(await self.dialogue.start())

    async def hear(self, turn: CallerTurn) -> list[Action]:
        return self._quick(await self.dialogue.hear(turn))

    async def silence(self) -> list[Action]:
        return self._quick(await self.dialogue.silence())

    async def not_heard(self) -> list[Action]:
        return self._quick(await self.dialogue.not_heard())

    def is_complete(self, text: str) -> bool:
        return self.dialogue.is_complete(text)

    @property
    def closing(self) -> bool:
        return bool(self.dialogue.closing)


@asynccontextmanager
async def session(tmp_path: Path, quick: bool = True, speaking: float = 0.05,
                  max_seconds: float = 900.0, listener: Any = None,
                  watchdog: TurnWatchdog | None = None, dialogue_as: Any = None,
                  flows_dir: Path = ROOT / "flows",
                  ) -> AsyncIterator[tuple[CallSession, CallRecords, Speaker]]:
    from voicebot.config import load_settings

    settings = load_settings(state_dir=tmp_path, transfer_targets={
        "general": {"kind": "queue", "address": "council", "hours": "always"}})
    records = CallRecords(settings.database)
    services = Services(CouncilData.load(ROOT / "seeds", today=fixed_today), settings.database)
    flows = build(flows_dir, services.actions, ["general", "bins", "council_tax"])
    assert not isinstance(flows, list)
    log: list[CallEvent] = []
    events = fan_out(records, log.append)
    dialogue = Dialogue(flows, services, events, SID, AlwaysOpen())
    wire = EchoingWire()
    call = MediaStreamCall(CallInfo(SID, "MZ1"), wire, lead=0.05)
    wire.call = call
    pacer = asyncio.create_task(call.pacer.run())
    speaker = Speaker(events, speaking)
    try:
        talker = QuickSilences(dialogue) if quick else dialogue
        yield CallSession(call, dialogue_as(talker) if dialogue_as else talker,
                          listener or SilentCaller(), speaker,
                          Handoff(settings).for_call(SID), events, max_seconds=max_seconds,
                          watchdog=watchdog), records, speaker
    finally:
        pacer.cancel()
        await asyncio.gather(pacer, return_exceptions=True)
        records.close()
        services.close()


async def test_a_caller_who_never_speaks_is_recorded_as_silent(tmp_path: Path) -> None:
    async with session(tmp_path) as (call, records, speaker):
        outcome = await asyncio.wait_for(call.run(), 20)
        stored = records.get_call(SID)
        figures = records.figures(datetime.fromtimestamp(records.now(), UTC).date())
    assert outcome == Outcome("hangup", reason="no-response")
    assert stored is not None and stored["outcome"] == "silent", stored
    assert "I haven't heard anything" in speaker.said[-1]
    assert (figures["silent"], figures["contained"]) == (1, 0)


async def test_the_listener_knows_when_the_bot_is_speaking(tmp_path: Path) -> None:
    """A voice the recogniser cannot read is taken for the caller only when the bot is quiet
    (its echo is not the caller), so the listener must hear of every sentence's start and
    end, and be left knowing the bot is quiet while it waits for an answer."""

    class Watching(SilentCaller):
        def __init__(self) -> None:
            self.heard: list[tuple[bool, int]] = []
            self.speaker: Speaker | None = None

        def playback(self, playing: bool) -> None:
            assert self.speaker is not None
            self.heard.append((playing, len(self.speaker.said)))

    watching = Watching()
    async with session(tmp_path, listener=watching) as (call, _, speaker):
        watching.speaker = speaker
        await asyncio.wait_for(call.run(), 20)
    said = len(speaker.said)
    assert said >= 3
    assert watching.heard == [(on, turn + (not on)) for turn in range(said)
                              for on in (True, False)]


async def test_a_call_past_the_time_limit_is_told_and_transferred(tmp_path: Path) -> None:
    async with session(tmp_path, quick=False, speaking=1.5, max_seconds=1.0) as (
            call, records, speaker):
        outcome = await asyncio.wait_for(call.run(), 30)
        stored = records.get_call(SID)
    assert outcome.kind == "transfer" and outcome.target is not None
    assert speaker.said[-1] == TIME_UP
    assert stored is not None and stored["outcome"] == "transferred"
    assert stored["transfer_reason"] == "call reached the time limit (1 s)"


async def test_a_caller_who_hangs_up_at_the_satisfaction_question(tmp_path: Path) -> None:
    """The bot finished the call, so it counts as handled by the bot, and the caller was asked
    (the response rate's denominator) though no score came."""
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    main = flows / "main.yaml"
    main.write_text(main.read_text().replace("  ask: false", "  ask: true"))
    caller = ScriptedCaller(["how do I pay my council tax", "no thanks, goodbye"])
    async with session(tmp_path, listener=caller, flows_dir=flows) as (call, records, speaker):
        caller.call = call.call
        outcome = await asyncio.wait_for(call.run(), 30)
        records.flush()
        stored = records.read(lambda conn: dict(conn.execute(
            "SELECT outcome, intent, satisfaction_asked, satisfaction FROM calls WHERE sid=?",
            (SID,)).fetchone()))
    assert outcome == Outcome("hangup", reason="caller-hung-up")
    assert "how satisfied were you with this call" in speaker.said[-1]
    assert stored == {"outcome": "contained", "intent": "council_tax_pay",
                      "satisfaction_asked": 1, "satisfaction": None}, stored


async def test_waiting_on_a_cancelled_task_does_not_swallow_our_own_cancellation() -> None:
    inner = asyncio.create_task(asyncio.sleep(10))

    async def waiter() -> str:
        await _settle(inner)
        return "carried on"

    outer = asyncio.create_task(waiter())
    await asyncio.sleep(0.01)
    outer.cancel()
    done = await asyncio.gather(outer, return_exceptions=True)
    assert isinstance(done[0], asyncio.CancelledError)
