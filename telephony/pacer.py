"""Real-time pacing of outbound call audio.

A carrier plays whatever it is sent, so sending a whole sentence at once would leave nothing to
take back at barge-in. The pacer cuts queued PCM into fixed frames and sends each one only when
the caller is at most ``lead`` seconds from hearing it: enough slack to ride out scheduling
jitter, small enough that ``clear`` silences the bot almost at once. Marks travel in the same
queue, so a mark is sent right after the audio that precedes it.

The clock and the sleep are injected so the timing can be tested exactly.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

_LOGGER = logging.getLogger(__name__)

SendFrame = Callable[[bytes], Awaitable[None]]
SendMark = Callable[[str], Awaitable[None]]


class _Mark(str):
    """A mark name in the queue (a subclass, so it cannot be mistaken for audio bytes)."""


class Pacer:
    """Sends PCM16 frames of ``frame_ms`` in real time, staying at most ``lead`` s ahead."""

    def __init__(
        self,
        send_frame: SendFrame,
        send_mark: SendMark,
        *,
        rate: int = 8000,
        frame_ms: int = 20,
        lead: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._send_frame = send_frame
        self._send_mark = send_mark
        self.frame_bytes = rate * frame_ms // 1000 * 2
        self.frame_seconds = frame_ms / 1000
        self.lead = lead
        self._clock = clock
        self._sleep = sleep
        self._queue: deque[bytes | _Mark] = deque()
        self._tail = b""
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._origin = clock()
        self._sent = 0.0
        self.frames_sent = 0

    @property
    def queued_seconds(self) -> float:
        """Audio waiting to be sent (not counting what the carrier already buffers)."""
        frames = sum(1 for item in self._queue if not isinstance(item, _Mark))
        return (frames + len(self._tail) / self.frame_bytes) * self.frame_seconds

    @property
    def ahead_seconds(self) -> float:
        """How far the audio already sent runs ahead of the caller's ear."""
        return max(0.0, self._origin + self._sent - self._clock())

    def push_audio(self, pcm: bytes) -> None:
        """Queue PCM16; a part-frame waits for more audio, a mark, or an empty queue."""
        data = self._tail + pcm[: len(pcm) - len(pcm) % 2]
        whole = len(data) - len(data) % self.frame_bytes
        for start in range(0, whole, self.frame_bytes):
            self._queue.append(data[start : start + self.frame_bytes])
        self._tail = data[whole:]
        self._kick()

    def push_mark(self, name: str) -> None:
        """Queue a mark to be sent right after everything queued before it."""
        self._flush_tail()
        self._queue.append(_Mark(name))
        self._kick()

    def clear(self) -> list[str]:
        """Drop everything not yet sent; returns the names of marks that were never sent."""
        unsent = [str(item) for item in self._queue if isinstance(item, _Mark)]
        self._queue.clear()
        self._tail = b""
        self._origin, self._sent = self._clock(), 0.0
        self._idle.set()
        return unsent

    async def drained(self) -> None:
        """Wait until everything queued has been sent."""
        await self._idle.wait()

    async def run(self) -> None:
        """Send until cancelled."""
        while True:
            if not self._queue:
                self._flush_tail()
            if not self._queue:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            item = self._queue[0]
            if isinstance(item, _Mark):
                self._queue.popleft()
                await self._send_mark(str(item))
                continue
            await self._wait_for_slot()
            if not self._queue or self._queue[0] is not item:
                continue  # cleared while waiting
            self._queue.popleft()
            await self._send_frame(item)
            self._sent += self.frame_seconds
            self.frames_sent += 1

    async def _wait_for_slot(self) -> None:
        now = self._clock()
        if self._origin + self._sent < now:
            self._origin, self._sent = now, 0.0  # the caller heard everything: restart the timeline
        ahead = self._sent - (now - self._origin)
        if ahead > self.lead:
            await self._sleep(ahead - self.lead)

    def _flush_tail(self) -> None:
        if self._tail:
            self._queue.append(self._tail + bytes(self.frame_bytes - len(self._tail)))
            self._tail = b""

    def _kick(self) -> None:
        self._idle.clear()
        self._wake.set()
