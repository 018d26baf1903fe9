"""Small conversations for the telephony tests: greet, echo what was said, act on keys.

The real conversation (voicebot.call.session) comes later; these exercise every part of the
Call port with behaviour simple enough to assert on exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from telephony.call import Call, Outcome, TransferTarget
from telephony.events import AudioIn, DigitIn, InboundEvent, MarkPlayed, StreamStopped

RATE = 8000


def tone(seconds: float, hz: float = 440.0, level: float = 0.3) -> bytes:
    t = np.arange(int(seconds * RATE)) / RATE
    return (np.sin(2 * np.pi * hz * t) * level * 32767).astype("<i2").tobytes()


def silence(seconds: float) -> bytes:
    return bytes(int(seconds * RATE) * 2)


def rms(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return float(np.sqrt((samples**2).mean())) if len(samples) else 0.0


TRANSFER = Outcome(
    "transfer",
    reason="caller asked for a person",
    target=TransferTarget("number", "+441130000000"),
    whisper_url="https://example.org/whisper/1.wav",
    context={"intent": "agent"},
)
QUEUE = Outcome("transfer", reason="bins", target=TransferTarget("queue", "WW" + "0" * 32),
                context={"postcode": "LS1 1AA"})
DONE = Outcome("hangup", reason="caller finished")
CALLER_LEFT = Outcome("hangup", reason="caller hung up")


@dataclass
class EchoBot:
    """Greets with a tone, echoes each utterance back, and acts on keys.

    Keys: ``0`` transfer to a number, ``*`` enqueue, ``9`` hang up, ``#`` clear what is
    playing; any other digit is only recorded.
    """

    greeting_seconds: float = 0.4
    seen: list[InboundEvent] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    stopped: dict[str, str] = field(default_factory=dict)
    echoes: int = 0
    utterances: list[bytes] = field(default_factory=list)

    async def __call__(self, call: Call) -> Outcome:
        self.calls.append(call.info.call_sid)
        await call.play(tone(self.greeting_seconds))
        await call.mark("greeting")
        utterance: list[bytes] = []
        quiet = 0
        turn = 0
        async for event in call.events():
            if not isinstance(event, AudioIn):
                self.seen.append(event)
            if isinstance(event, StreamStopped):
                self.stopped[call.info.call_sid] = event.reason
                return CALLER_LEFT
            if isinstance(event, DigitIn):
                self.digits.append(event.digit)
                outcome = await self._on_key(call, event.digit)
                if outcome is not None:
                    return outcome
            if isinstance(event, AudioIn):
                loud = rms(event.pcm) > 500
                if loud:
                    utterance.append(event.pcm)
                    quiet = 0
                elif utterance:
                    quiet += 1
                    if quiet >= 10:  # 200 ms of quiet ends the turn
                        turn += 1
                        self.echoes += 1
                        self.utterances.append(b"".join(utterance))
                        await call.play(b"".join(utterance))
                        await call.mark(f"echo-{turn}")
                        utterance, quiet = [], 0
        return DONE

    async def _on_key(self, call: Call, digit: str) -> Outcome | None:
        if digit == "0":
            return TRANSFER
        if digit == "*":
            return QUEUE
        if digit == "9":
            await call.play(tone(0.2, 660))
            await call.mark("bye")
            await call.wait_played("bye", 5.0)
            return DONE
        if digit == "#":
            await call.clear()
        return None


@dataclass
class Recorder:
    """A CallObserver that remembers what it was told."""

    ringing: list[tuple[str, str, str]] = field(default_factory=list)
    statuses: list[tuple[str, str]] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)

    def call_ringing(self, call_sid: str, from_number: str, to_number: str) -> None:
        self.ringing.append((call_sid, from_number, to_number))

    def call_status(self, call_sid: str, status: str) -> None:
        self.statuses.append((call_sid, status))

    def call_dropped(self, call_sid: str, reason: str) -> None:
        self.dropped.append((call_sid, reason))


def marks(events: list[InboundEvent]) -> list[MarkPlayed]:
    return [e for e in events if isinstance(e, MarkPlayed)]


async def until(predicate: Callable[[], bool], within: float = 5.0) -> None:
    """Wait for a condition that another task will make true (polled: it has no event)."""
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
