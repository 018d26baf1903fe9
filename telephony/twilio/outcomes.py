"""Outcomes of finished streams, kept until Twilio asks what to do next.

The stream's websocket closes before Twilio requests the ``<Connect action>`` URL, and the
agent's whisper URL is requested later still, so an outcome outlives its call for a while.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from telephony.call import Outcome


class OutcomeBook:
    """Per call sid: a future outcome while the call runs, then the outcome for ``keep`` s."""

    def __init__(self, keep: float = 900.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._keep = keep
        self._clock = clock
        self._entries: dict[str, tuple[float, asyncio.Future[Outcome]]] = {}

    def begin(self, call_sid: str) -> None:
        """A stream started for this call; its outcome will follow."""
        self._expire()
        if call_sid not in self._entries or self._entries[call_sid][1].done():
            future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
            self._entries[call_sid] = (self._clock(), future)

    def settle(self, call_sid: str, outcome: Outcome) -> None:
        """The call's conversation ended with ``outcome``; wake anyone waiting for it."""
        entry = self._entries.get(call_sid)
        if entry is not None and not entry[1].done():
            future = entry[1]
        else:
            future = asyncio.get_running_loop().create_future()
        future.set_result(outcome)
        self._entries[call_sid] = (self._clock(), future)

    async def wait(self, call_sid: str, patience: float) -> Outcome | None:
        """The call's outcome, waiting up to ``patience`` s for a stream still running."""
        entry = self._entries.get(call_sid)
        if entry is None:
            return None
        try:
            async with asyncio.timeout(patience):
                return await asyncio.shield(entry[1])
        except TimeoutError:
            return None

    def get(self, call_sid: str) -> Outcome | None:
        entry = self._entries.get(call_sid)
        if entry is None or not entry[1].done():
            return None
        return entry[1].result()

    def _expire(self) -> None:
        cutoff = self._clock() - self._keep
        for sid in [s for s, (at, f) in self._entries.items() if at < cutoff and f.done()]:
            del self._entries[sid]
