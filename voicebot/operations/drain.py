"""Graceful drain: from SIGTERM to exit without cutting a resident's call.

A process that is told to stop first stops taking new calls (readiness fails, the voice webhook
refuses), lets the calls in progress finish, hands any still running at the limit to a person
(outcome ``shutdown``), and keeps answering the ``<Connect action>`` URLs of its calls until
Twilio has asked for them, or a short linger has passed. Only then does the server stop.

``Drain`` is the coordinator; the Twilio routes see it as a ``CallGate`` and the service tells
it when each call starts and ends. It is driven by one clock and one wake-up event, so a test
can run it with short limits and no signals.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

_LOGGER = logging.getLogger(__name__)

START_WINDOW = 15.0
"""Seconds a call announced by the voice webhook may take to open its media stream."""
FORGET_AFTER = 300.0
"""Seconds after which a call's action URL or whisper is no longer waited for."""
HANDOVER_WAIT = 30.0
"""Seconds a call told to hand over at the limit may take to say so and end."""


class DrainState(StrEnum):
    SERVING = "serving"
    DRAINING = "draining"
    DRAINED = "drained"


@dataclass
class _Live:
    stop: Callable[[], None]
    needs_action: bool


class Drain:
    """Counts the calls of one process and decides when it may exit."""

    def __init__(self, limit: float, linger: float, *, siblings: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.linger = linger
        self.siblings = siblings
        """Other processes behind the same proxy share this one's calls: a draining process
        refuses new media streams (a sibling takes them, so the streams of calls answered just
        before the signal are not waited for), and any sibling answers the action and whisper
        URLs from the shared store (so there is no lingering for them)."""
        self._clock = clock
        self.state = DrainState.SERVING
        self._ringing: dict[str, float] = {}
        self._live: dict[str, _Live] = {}
        self._awaiting_action: dict[str, float] = {}
        self._awaiting_whisper: dict[str, float] = {}
        self._changed: asyncio.Event | None = None
        self.refused = 0
        self.cut: list[str] = []
        """Calls handed over because they were still running at the limit."""

    # -- what the web layer asks --

    @property
    def draining(self) -> bool:
        return self.state is not DrainState.SERVING

    @property
    def in_progress(self) -> int:
        return len(self._live)

    def admit(self, call_sid: str) -> bool:
        """The voice webhook: take the call unless draining (``CallGate``)."""
        if self.draining:
            self.refused += 1
            return False
        self._expected()  # forget calls whose stream never came
        self._ringing[call_sid] = self._clock()
        return True

    def accepting(self) -> bool:
        """``CallGate``: new calls are welcome (not draining)."""
        return not self.draining

    def action_served(self, call_sid: str, whisper: bool) -> None:
        """Twilio has asked what to do after the stream (``CallGate``)."""
        self._awaiting_action.pop(call_sid, None)
        if whisper and not self.siblings:
            self._awaiting_whisper[call_sid] = self._clock()
        self._forget_old()
        self._wake()

    def whisper_served(self, call_sid: str) -> None:
        """The agent's phone has fetched the call's whisper audio."""
        self._awaiting_whisper.pop(call_sid, None)
        self._wake()

    # -- what the service tells it --

    def started(self, call_sid: str, stop: Callable[[], None], needs_action: bool) -> None:
        """A call's conversation began; ``stop`` hands it over at the drain limit."""
        self._ringing.pop(call_sid, None)
        self._live[call_sid] = _Live(stop, needs_action)
        self._wake()

    def ended(self, call_sid: str) -> None:
        live = self._live.pop(call_sid, None)
        if live is not None and live.needs_action and not self.siblings:
            self._awaiting_action[call_sid] = self._clock()
        self._forget_old()
        self._wake()

    # -- the drain itself --

    def begin(self) -> bool:
        """Stop taking calls; False if already draining."""
        if self.draining:
            return False
        self.state = DrainState.DRAINING
        _LOGGER.warning("draining: no new calls; %d in progress, %d ringing; handing over what "
                        "is left after %.0f s", len(self._live), len(self._ringing), self.limit)
        self._wake()
        return True

    def hurry(self) -> None:
        """Stop waiting: hand over the calls in progress now and do not linger."""
        self.limit = self.linger = 0.0
        self._wake()

    async def finish(self) -> None:
        """Wait for the calls to end (cutting them at the limit), then for their action URLs."""
        self.begin()
        started = self._clock()
        await self._until(lambda: not self._live and not self._expected(),
                          lambda: started + self.limit)
        if self._live:
            self.cut = sorted(self._live)
            _LOGGER.warning("drain limit reached: handing over %d call(s): %s", len(self.cut),
                            ", ".join(self.cut))
            for live in list(self._live.values()):
                live.stop()
            handing_over = self._clock() + HANDOVER_WAIT
            await self._until(lambda: not self._live, lambda: handing_over)
        calls_done = self._clock()
        await self._until(lambda: not self._awaiting_action and not self._awaiting_whisper,
                          lambda: calls_done + self.linger)
        if self._awaiting_action or self._awaiting_whisper:
            _LOGGER.warning("draining: exiting before Twilio came back for %d action URL(s) and "
                            "%d whisper(s)", len(self._awaiting_action),
                            len(self._awaiting_whisper))
        self.state = DrainState.DRAINED
        _LOGGER.info("drained in %.1f s", self._clock() - started)

    def _forget_old(self) -> None:
        """Twilio comes back within seconds, or after an agent answers; not after minutes."""
        cutoff = self._clock() - FORGET_AFTER
        for waiting in (self._awaiting_action, self._awaiting_whisper):
            for sid in [s for s, at in waiting.items() if at < cutoff]:
                del waiting[sid]

    def _expected(self) -> bool:
        """Calls whose webhook was answered but whose media stream has not arrived yet."""
        cutoff = self._clock() - START_WINDOW
        for sid in [s for s, at in self._ringing.items() if at < cutoff]:
            del self._ringing[sid]
        return bool(self._ringing) and not (self.draining and self.siblings)

    async def _until(self, done: Callable[[], bool], deadline: Callable[[], float]) -> None:
        while not done():
            remaining = deadline() - self._clock()
            if remaining <= 0:
                return
            changed = self._event()
            changed.clear()
            try:
                async with asyncio.timeout(min(remaining, 1.0)):
                    await changed.wait()
            except TimeoutError:
                continue

    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def _wake(self) -> None:
        if self._changed is not None:
            self._changed.set()

    def describe(self) -> dict[str, object]:
        return {"state": str(self.state), "calls_in_progress": len(self._live),
                "ringing": len(self._ringing), "awaiting_action": len(self._awaiting_action),
                "awaiting_whisper": len(self._awaiting_whisper),
                "refused": self.refused}
