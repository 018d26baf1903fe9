"""The ports a call session talks through, so it can be run with any dialogue, listener,
speaker and handover that keep these shapes (the real ones, or test doubles)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from telephony import AudioIn, Outcome
from voicebot.call.keypad import DialogueView
from voicebot.call.listener import Broken, Heard, NotHeard, SpeechStarted
from voicebot.call.timing import TurnTiming
from voicebot.flows.actions import Action, CallerTurn, Handover
from voicebot.speech.base import Hints

__all__ = ["DialoguePort", "DialogueView", "HandoverToOutcome", "Heard_", "ListenerPort",
           "SpeakerPort"]


class DialoguePort(Protocol):
    """What the session needs of the flow engine (voicebot.flows.engine.Dialogue)."""

    async def start(self) -> list[Action]: ...

    async def hear(self, turn: CallerTurn) -> list[Action]: ...

    async def silence(self) -> list[Action]: ...

    async def not_heard(self) -> list[Action]: ...

    def is_complete(self, text: str) -> bool: ...

    @property
    def verified(self) -> bool: ...

    @property
    def slots(self) -> Any: ...

    @property
    def closing(self) -> bool:
        """Only the post-call question is left: a caller who hangs up now finished the call."""
        ...


Heard_ = SpeechStarted | Heard | NotHeard | Broken


class ListenerPort(Protocol):
    """What the session needs of the listener (voicebot.call.listener.Listener)."""

    def expect(self, hints: Hints) -> None: ...

    def feed(self, frame: AudioIn) -> None: ...

    def playback(self, playing: bool) -> None:
        """The bot's voice is, or is no longer, going down the line."""
        ...

    async def next(self) -> Heard_: ...


class SpeakerPort(Protocol):
    """What the session needs of the speaker (voicebot.call.speaker.Speaker)."""

    async def say(self, text: str, interruptible: bool = True, language: str = "en",
                  timing: TurnTiming | None = None) -> bool:
        """Speak ``text`` (in the voice and recordings of ``language``); ``timing`` is the
        turn it answers, reported with its first audio."""
        ...


HandoverToOutcome = Callable[[Handover, DialogueView], Awaitable[Outcome]]
"""Turns the dialogue's handover into a carrier outcome (target, whisper, context)."""
