"""Outcomes of finished streams, kept until Twilio asks what to do next.

The stream's websocket closes before Twilio requests the ``<Connect action>`` URL, and the
agent's whisper URL is requested later still, so an outcome outlives its call for a while.
Behind a proxy those requests may reach another process of the service than the one that held
the stream: an ``OutcomeLedger`` (the app implements it over its database) shares the outcomes,
and this book asks it about any call it does not hold itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from telephony.call import Outcome

POLL_SECONDS = 0.05
"""How often a process that does not hold the call looks for its outcome while it finishes."""


@dataclass(frozen=True)
class Recorded:
    """What the ledger knows of a call: still running (``outcome`` None), or how it ended."""

    outcome: Outcome | None


class OutcomeLedger(Protocol):
    """Outcomes shared by every process of the service (the port; voicebot implements it)."""

    def started(self, call_sid: str) -> None:
        """A stream for this call began here; must not block."""

    def settled(self, call_sid: str, outcome: Outcome) -> None:
        """The call's conversation ended with ``outcome``; must not block."""

    async def lookup(self, call_sid: str) -> Recorded | None:
        """What is known of the call (None: no stream for it began recently anywhere)."""


class OutcomeBook:
    """Per call sid: a future outcome while the call runs, then the outcome for ``keep`` s."""

    def __init__(self, keep: float = 900.0, clock: Callable[[], float] = time.monotonic,
                 ledger: OutcomeLedger | None = None) -> None:
        self._keep = keep
        self._clock = clock
        self._ledger = ledger
        self._entries: dict[str, tuple[float, asyncio.Future[Outcome]]] = {}

    def begin(self, call_sid: str) -> None:
        """A stream started for this call; its outcome will follow."""
        self._expire()
        if call_sid not in self._entries or self._entries[call_sid][1].done():
            future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
            self._entries[call_sid] = (self._clock(), future)
        if self._ledger is not None:
            self._ledger.started(call_sid)

    def settle(self, call_sid: str, outcome: Outcome) -> None:
        """The call's conversation ended with ``outcome``; wake anyone waiting for it."""
        entry = self._entries.get(call_sid)
        if entry is not None and not entry[1].done():
            future = entry[1]
        else:
            future = asyncio.get_running_loop().create_future()
        future.set_result(outcome)
        self._entries[call_sid] = (self._clock(), future)
        if self._ledger is not None:
            self._ledger.settled(call_sid, outcome)

    async def wait(self, call_sid: str, patience: float) -> Outcome | None:
        """The call's outcome, waiting up to ``patience`` s for a stream still running."""
        entry = self._entries.get(call_sid)
        if entry is None:
            return await self._wait_elsewhere(call_sid, patience)
        try:
            async with asyncio.timeout(patience):
                return await asyncio.shield(entry[1])
        except TimeoutError:
            return None

    def get(self, call_sid: str) -> Outcome | None:
        """The outcome of a call this process held (see ``find`` for any process's)."""
        entry = self._entries.get(call_sid)
        if entry is None or not entry[1].done():
            return None
        return entry[1].result()

    async def find(self, call_sid: str) -> Outcome | None:
        """The outcome of a finished call, whichever process held it."""
        if (outcome := self.get(call_sid)) is not None or self._ledger is None:
            return outcome
        recorded = await self._ledger.lookup(call_sid)
        return recorded.outcome if recorded else None

    async def _wait_elsewhere(self, call_sid: str, patience: float) -> Outcome | None:
        """Ask the ledger until the call that another process holds has an outcome."""
        if self._ledger is None:
            return None
        deadline = self._clock() + patience
        while True:
            recorded = await self._ledger.lookup(call_sid)
            if recorded is None or recorded.outcome is not None:
                return recorded.outcome if recorded else None
            if self._clock() >= deadline:
                return None
            await asyncio.sleep(POLL_SECONDS)

    def _expire(self) -> None:
        cutoff = self._clock() - self._keep
        for sid in [s for s, (at, f) in self._entries.items() if at < cutoff and f.done()]:
            del self._entries[sid]
