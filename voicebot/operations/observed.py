"""A call that reports the bot's audio as it goes out: where a turn's wait ends.

The events say when the caller stopped speaking (``turn-end``); only the call knows when the
reply's first audio left for the caller, so metrics and traces watch ``play`` here instead of
adding an event per audio chunk to every call record.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from telephony import Call, CallInfo, InboundEvent


class AudioTap:
    """Wraps a ``Call``; ``on_audio(call_sid)`` runs before each chunk of bot audio is queued."""

    def __init__(self, call: Call, on_audio: Callable[[str], None]) -> None:
        self._call = call
        self._on_audio = on_audio

    @property
    def info(self) -> CallInfo:
        return self._call.info

    def events(self) -> AsyncIterator[InboundEvent]:
        return self._call.events()

    async def play(self, pcm: bytes) -> None:
        self._on_audio(self._call.info.call_sid)
        await self._call.play(pcm)

    async def mark(self, name: str) -> None:
        await self._call.mark(name)

    async def clear(self) -> None:
        await self._call.clear()

    async def wait_played(self, name: str, timeout: float) -> bool:  # noqa: ASYNC109
        return await self._call.wait_played(name, timeout)

    async def close(self) -> None:
        await self._call.close()
