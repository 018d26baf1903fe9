"""One utterance through the real listening path, on a virtual clock.

Frames go to ``Listener.feed`` one by one, exactly as a call delivers them (20 ms PCM16 at
8 kHz; the real resampler, Silero VAD, noise floor, ``EndOfTurn`` and Whisper). The clock is the
audio's own: frame *n* arrives at *n* x 20 ms, so 30 s of silence takes a fraction of a second.

Partial and final decodes are modelled faithfully: while one is running, feeding stops (so the
decode has the machine as it would), its wall-clock duration is measured, and its result is
handed to the listener only once that much audio time has been fed after the moment it was
asked for. The listener therefore sees a partial transcript as late as it would on this machine
in real time, and end-of-turn and response delays include decode time.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from dataclasses import dataclass, field

import numpy as np

from telephony import AudioIn
from voicebot.call.listener import Heard, Listener, NotHeard
from voicebot.events import CallEvent, CallEventType
from voicebot.speech.base import Hints, Recognizer, Transcript, Vad

FRAME_SECONDS = 0.02


class VirtualClock:
    """Audio time; coroutines may wait for a moment on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def until(self, moment: float) -> None:
        if moment <= self.now:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (moment, next(self._order), future))
        await future

    def advance(self, to: float) -> int:
        """Move to ``to``; wake whoever was waiting for it. Returns how many woke."""
        self.now = to
        woken = 0
        while self._waiting and self._waiting[0][0] <= to:
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():
                future.set_result(None)
                woken += 1
        return woken


class PacedRecognizer:
    """The real recogniser, its results released after its measured time on the clock."""

    def __init__(self, inner: Recognizer, clock: VirtualClock) -> None:
        self.inner = inner
        self.clock = clock
        self.running = 0
        self.idle = asyncio.Event()
        self.idle.set()
        self.decode_seconds: list[float] = []

    async def transcribe(self, audio: np.ndarray, hints: Hints) -> Transcript:
        asked = self.clock.now
        self.running += 1
        self.idle.clear()
        started = time.perf_counter()
        try:
            result = await self.inner.transcribe(audio, hints)
        finally:
            self.running -= 1
            if not self.running:
                self.idle.set()
        took = time.perf_counter() - started
        self.decode_seconds.append(took)
        await self.clock.until(asked + took)
        return result


@dataclass
class Turn:
    started: float
    ended: float = -1.0
    answered: float = -1.0
    text: str = ""
    alternatives: tuple[str, ...] = ()
    confidence: float = 0.0
    heard: bool = False
    audio_from: float = 0.0
    """Where the turn's audio begins: before the speech's onset when its first word was kept."""


@dataclass
class Hearing:
    """What the listener made of one line: its turns, stamped with audio time."""

    turns: list[Turn] = field(default_factory=list)
    decodes: list[float] = field(default_factory=list)


async def hear(vad: Vad, recognizer: Recognizer, frames: list[bytes | None],
               hints: Hints, bot_until: float = 0.0) -> Hearing:
    """``bot_until``: the bot speaks from the start of the line until then (seconds)."""
    clock = VirtualClock()
    paced = PacedRecognizer(recognizer, clock)
    hearing = Hearing()

    def on_event(event: CallEvent) -> None:
        if event.type is CallEventType.SPEECH_START:  # a doubtful stretch began ``since`` ago
            since, kept = event.data.get("since", 0.0), event.data.get("kept", 0.0)
            hearing.turns.append(Turn(clock.now - (since if isinstance(since, float) else 0.0),
                                      audio_from=clock.now - (kept if isinstance(kept, float)
                                                              else 0.0)))
        elif event.type is CallEventType.TURN_END and hearing.turns:
            hearing.turns[-1].ended = clock.now

    listener = Listener(vad, paced, on_event, "CA-bench")
    listener.expect(hints)
    listener.playback(bot_until > 0.0)
    collector = asyncio.create_task(_collect(listener, hearing, clock))
    try:
        for index, frame in enumerate(frames):
            if frame is not None:
                listener.feed(AudioIn(frame, 8000))
            if index * FRAME_SECONDS < bot_until <= (index + 1) * FRAME_SECONDS:
                listener.playback(False)
            await _settle(paced, clock, (index + 1) * FRAME_SECONDS)
        end = len(frames) * FRAME_SECONDS
        while paced.running or any(t.answered < 0 for t in hearing.turns if t.ended >= 0):
            end += FRAME_SECONDS
            await _settle(paced, clock, end)
            if end > len(frames) * FRAME_SECONDS + 30:
                break
    finally:
        collector.cancel()
        listener.close()
        clock.advance(float("inf"))  # let decodes nobody waits for any more finish
        await asyncio.sleep(0)
    hearing.decodes = paced.decode_seconds
    return hearing


async def _settle(paced: PacedRecognizer, clock: VirtualClock, to: float) -> None:
    """Let the listener's tasks run: wait out real decodes, then release what is due."""
    for _ in range(3):
        await asyncio.sleep(0)
    await paced.idle.wait()
    clock.advance(to)
    for _ in range(6):
        await asyncio.sleep(0)


async def _collect(listener: Listener, hearing: Hearing, clock: VirtualClock) -> None:
    while True:
        result = await listener.next()
        if not isinstance(result, Heard | NotHeard):
            continue
        pending = [t for t in hearing.turns if t.ended >= 0 and t.answered < 0]
        if not pending:
            continue
        turn = pending[0]
        turn.answered = clock.now
        transcript = result.transcript
        turn.heard = isinstance(result, Heard)
        if transcript is not None:
            turn.text, turn.alternatives = transcript.text, transcript.alternatives
            turn.confidence = transcript.confidence
