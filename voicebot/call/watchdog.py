"""TurnWatchdog: a caller who gets no reply in time hears the apology and is transferred.

Every wait of a call that should end in the bot's reply is bounded: the dialogue working out
its answer to a turn (lookups included), and the listener's result for speech it heard begin.
Without a bound, a fault in either (an exception in a task nobody awaits, a stuck model, a
lookup that never returns) is dead air until the caller gives up; with one, the session's single
error path takes over, and the call is recorded as having met a fault.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from voicebot.errors import VoicebotError

T = TypeVar("T")

REPLY_SECONDS = 10.0
HEARING_SECONDS = 25.0


class NoReply(VoicebotError):
    """The bot had no reply for the caller within the watchdog's limit."""


@dataclass(frozen=True)
class TurnWatchdog:
    """The limits of one call's waits; ``reply`` and ``overdue`` apply them."""

    reply_seconds: float = REPLY_SECONDS
    """Longest the dialogue may take to answer a turn."""
    hearing_seconds: float = HEARING_SECONDS
    """Longest from the start of the caller's speech to the listener's result: the longest turn
    the listener takes (15 s) and time to recognise it on a busy machine."""

    async def reply(self, answer: Awaitable[T]) -> T:
        """The dialogue's answer, or ``NoReply`` once ``reply_seconds`` have gone by."""
        try:
            async with asyncio.timeout(self.reply_seconds) as limit:
                return await answer
        except TimeoutError as err:
            if not limit.expired():
                raise
            raise NoReply("no-reply", f"no reply to the caller within {self.reply_seconds:.0f} s"
                          ) from err

    def overdue(self, speech_began: float, now: float) -> None:
        """Raise ``NoReply`` when speech that began at ``speech_began`` has had no result."""
        if now - speech_began > self.hearing_seconds:
            raise NoReply("no-result", "the caller's speech got no recognition result within "
                                       f"{self.hearing_seconds:.0f} s")
