"""Speaker: says text on a call, piece by piece, and knows what the caller heard.

What is said is first split by the flows' recordings (``PromptBook``): recorded parts are
played as recorded (already at the voice's level), the rest is synthesised sentence by
sentence in the voice of the call's language, from the prompt cache or Piper in the TTS pool,
resampled to the call's rate. Once the first piece is made, every later one is queued for
synthesis at once, so under load piece N+1 is not queued behind other calls' work while piece N
plays (a gap the caller takes for the end of the answer). A
mark follows every piece, and ``say`` returns only when the caller has heard the last one, so
a handover or hang-up never cuts a goodbye short. Cancelling ``say`` (barge-in) stops at once;
the session clears the carrier's buffer.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from collections.abc import Awaitable, Callable

from telephony import Call
from voicebot.call.timing import TurnTiming
from voicebot.events import CallEvent, CallEventType, EventSink
from voicebot.speech.clauses import sentences
from voicebot.speech.engines import SpeechEngines
from voicebot.speech.prompt_book import Piece, PromptBook

PLAYBACK_SLACK = 5.0
"""Seconds beyond the audio's length to wait for the carrier's last mark."""

Unit = Callable[[], Awaitable[bytes]]
"""One piece of audio to play, made when asked for (so it is made while the one before plays)."""


class Speaker:
    """Per-call speaking over the shared engines and the call's flows' recordings."""

    def __init__(self, engines: SpeechEngines, call: Call, events: EventSink,
                 book: PromptBook | None = None) -> None:
        self._engines = engines
        self._call = call
        self._events = events
        self._book = book
        self._marks = itertools.count(1)

    async def _audio(self, sentence: str, rate: int, language: str) -> bytes:
        cache = self._engines.cache
        cached = cache.get(sentence, rate, language)
        if cached is not None:
            return cached
        pcm = await self._engines.pool.tts(
            functools.partial(self._engines.render_at, sentence, rate, language)
        )
        cache.remember(sentence, rate, pcm, language)
        return pcm

    def _units(self, text: str, rate: int, language: str) -> list[Unit]:
        """Recorded clips as they are; the rest synthesised a sentence at a time."""
        pieces = self._book.pieces(text, language) if self._book else [Piece(text)]
        units: list[Unit] = []
        for piece in pieces:
            if piece.clip is not None and self._book is not None:
                units.append(functools.partial(_ready, self._book.pcm(piece.clip, rate)))
            else:
                units += [functools.partial(self._audio, sentence, rate, language)
                          for sentence in sentences(piece.text)]
        return units

    async def say(self, text: str, interruptible: bool = True, language: str = "en",
                  timing: TurnTiming | None = None) -> bool:
        """Speak ``text`` in ``language``; True once the caller has heard all of it. With the
        ``timing`` of the turn it answers, a ``turn-timing`` event follows its first audio."""
        said = time.monotonic()
        rate = self._call.info.rate
        units = self._units(text, rate, language)
        sid = self._call.info.call_sid
        seconds = 0.0
        last = ""
        heard = False
        made: list[asyncio.Future[bytes]] = []
        try:
            made = [asyncio.ensure_future(unit()) for unit in units[:1]]
            for index in range(len(units)):
                pcm = await made[index]
                if index == 0:  # the rest queue for synthesis now, before the first plays
                    made += [asyncio.ensure_future(unit()) for unit in units[1:]]
                    self._events(CallEvent(CallEventType.SAY_START, sid, {"text": text}))
                ready = time.monotonic()
                await self._call.play(pcm)
                if timing is not None:
                    self._events(CallEvent(CallEventType.TURN_TIMING, sid, timing.event_data(
                        said, ready, time.monotonic())))
                    timing = None
                last = f"say-{next(self._marks)}"
                await self._call.mark(last)
                seconds += len(pcm) / 2 / rate
            heard = not last or await self._call.wait_played(last, seconds + PLAYBACK_SLACK)
            return heard
        finally:
            for future in made:  # barge-in or a failed clause: nothing more is made for it
                future.cancel()
            self._events(CallEvent(CallEventType.SAY, sid, {
                "text": text, "interrupted": not heard, "interruptible": interruptible,
                "language": language,
            }))


async def _ready(pcm: bytes) -> bytes:
    return pcm
