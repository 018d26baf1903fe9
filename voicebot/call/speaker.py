"""Speaker: says text on a call, sentence by sentence, and knows what the caller heard.

Each sentence comes from the prompt cache or from Piper in the TTS pool, resampled to the call's
rate; the next sentence is synthesised while the previous one plays. A mark follows every
sentence, and ``say`` returns only when the caller has heard the last one, so a handover or
hang-up never cuts a goodbye short. Cancelling ``say`` (barge-in) stops at once; the session
clears the carrier's buffer.
"""

from __future__ import annotations

import asyncio
import functools
import itertools

from telephony import Call
from voicebot.events import CallEvent, CallEventType, EventSink
from voicebot.speech.clauses import sentences
from voicebot.speech.engines import SpeechEngines

PLAYBACK_SLACK = 5.0
"""Seconds beyond the audio's length to wait for the carrier's last mark."""


class Speaker:
    """Per-call speaking over the shared engines."""

    def __init__(self, engines: SpeechEngines, call: Call, events: EventSink) -> None:
        self._engines = engines
        self._call = call
        self._events = events
        self._marks = itertools.count(1)

    async def _audio(self, sentence: str, rate: int) -> bytes:
        cached = self._engines.cache.get(sentence, rate)
        if cached is not None:
            return cached
        return await self._engines.pool.tts(
            functools.partial(self._engines.render_at, sentence, rate)
        )

    async def say(self, text: str, interruptible: bool = True) -> bool:
        """Speak ``text``; True once the caller has heard all of it."""
        rate = self._call.info.rate
        parts = sentences(text)
        sid = self._call.info.call_sid
        seconds = 0.0
        last = ""
        heard = False
        try:
            upcoming = asyncio.ensure_future(self._audio(parts[0], rate)) if parts else None
            for index in range(len(parts)):
                assert upcoming is not None
                pcm = await upcoming
                upcoming = (
                    asyncio.ensure_future(self._audio(parts[index + 1], rate))
                    if index + 1 < len(parts) else None
                )
                if index == 0:
                    self._events(CallEvent(CallEventType.SAY_START, sid, {"text": text}))
                await self._call.play(pcm)
                last = f"say-{next(self._marks)}"
                await self._call.mark(last)
                seconds += len(pcm) / 2 / rate
            heard = not last or await self._call.wait_played(last, seconds + PLAYBACK_SLACK)
            return heard
        except asyncio.CancelledError:
            if upcoming is not None:
                upcoming.cancel()
            raise
        finally:
            self._events(CallEvent(CallEventType.SAY, sid, {
                "text": text, "interrupted": not heard, "interruptible": interruptible,
            }))
