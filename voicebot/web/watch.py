"""The browser phone's live transcript: a call's own events, for the page that placed the call.

``CallWatch`` is an event sink. A browser call is opened with the secret token the telephony
side gave its page; from then on the call's events are kept (shaped for the page, redacted as
the call records are) so that the page can read them from the start, and follow them live, at
``GET /phone/calls/{sid}/events`` with the token in ``X-Call-Token``. Only browser calls are
kept, and only for a few minutes after they end.

Each turn's latency is measured here, from the caller's side: from the end of the caller's
speech (the end of the turn less the pause that ended it) or their last key, to the first audio
of the bot's reply.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import StreamingResponse

from voicebot.events import CallEvent, CallEventType
from voicebot.privacy import redacted

KEEP_SECONDS = 600.0
"""How long an ended call's transcript stays readable (the page may reconnect)."""
MOST_CALLS = 200
MOST_EVENTS = 5000
STREAM_SECONDS = 25.0
"""Each stream ends after this and the page reconnects, so a shutdown is never held up."""


@dataclass
class TurnClock:
    """When the caller finished their turn; the first bot audio after it gives the latency."""

    heard_at: float | None = None

    def latency(self, event: CallEvent) -> float | None:
        if event.type == CallEventType.TURN_END:
            self.heard_at = event.at - float(event.data.get("pause", 0.0))
        elif event.type == CallEventType.DIGITS:
            self.heard_at = event.at
        elif event.type == CallEventType.SAY_START and self.heard_at is not None:
            latency, self.heard_at = event.at - self.heard_at, None
            return max(0.0, latency)
        return None


def view(event: CallEvent, latency: float | None = None) -> dict[str, Any]:
    """What the page shows of an event; keypad digits are never shown, as records never keep
    them, and card-like numbers are redacted as they are in the records."""
    data = {} if event.type == CallEventType.DIGITS else redacted(dict(event.data))
    shown = {"type": str(event.type), "at": round(event.at, 3), **data}
    if latency is not None:
        shown["latency"] = round(latency, 3)
    return shown


@dataclass
class _Watched:
    token: str
    views: list[dict[str, Any]] = field(default_factory=list)
    clock: TurnClock = field(default_factory=TurnClock)
    ended_at: float | None = None
    wakers: set[asyncio.Event] = field(default_factory=set)


class CallWatch:
    """Keeps browser calls' events for their own pages (see the module docstring)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._calls: dict[str, _Watched] = {}
        self._clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self.closed = False

    def open(self, call_sid: str, token: str) -> None:
        """Start keeping ``call_sid``'s events for the holder of ``token`` (on the event loop)."""
        self._loop = asyncio.get_running_loop()
        self._forget_old()
        self._calls[call_sid] = _Watched(token)

    def __call__(self, event: CallEvent) -> None:
        """The event sink: never blocks."""
        watched = self._calls.get(event.call_sid)
        if watched is None or len(watched.views) >= MOST_EVENTS:
            return
        watched.views.append(view(event, watched.clock.latency(event)))
        if event.type == CallEventType.CALL_END:
            watched.ended_at = self._clock()
        self._wake(watched)

    def finish(self, call_sid: str) -> None:
        """The call is over, whatever its events said: its streams end once read out."""
        if (watched := self._calls.get(call_sid)) and watched.ended_at is None:
            watched.ended_at = self._clock()
            self._wake(watched)

    def allowed(self, call_sid: str, token: str) -> bool:
        watched = self._calls.get(call_sid)
        return watched is not None and bool(token) and hmac.compare_digest(
            watched.token.encode(), token.encode())

    async def follow(self, call_sid: str, after: int = 0) -> AsyncIterator[tuple[int, Any]]:
        """(number, view) from ``after`` on, live; (n, None) now and then to keep the line
        open. Ends when the call has ended and all is read, at shutdown, or after a while."""
        watched = self._calls[call_sid]
        waker = asyncio.Event()
        watched.wakers.add(waker)
        ends = time.monotonic() + STREAM_SECONDS
        try:
            while not self.closed:
                waker.clear()
                for number in range(after, len(watched.views)):
                    yield number + 1, watched.views[number]
                after = max(after, len(watched.views))
                if watched.ended_at is not None or (left := ends - time.monotonic()) <= 0:
                    return
                try:
                    await asyncio.wait_for(waker.wait(), min(left, 10.0))
                except TimeoutError:
                    yield after, None
        finally:
            watched.wakers.discard(waker)

    def close(self) -> None:
        """End every open stream (at shutdown)."""
        self.closed = True
        for watched in self._calls.values():
            self._wake(watched)

    def _wake(self, watched: _Watched) -> None:
        if self._loop is not None:
            for waker in list(watched.wakers):
                self._loop.call_soon_threadsafe(waker.set)

    def _forget_old(self) -> None:
        now = self._clock()
        for sid, watched in list(self._calls.items()):
            if watched.ended_at is not None and now - watched.ended_at > KEEP_SECONDS:
                del self._calls[sid]
        ended = sorted((w.ended_at, sid) for sid, w in self._calls.items() if w.ended_at)
        for _, sid in ended[: max(0, len(self._calls) - MOST_CALLS + 1)]:
            del self._calls[sid]


def make_watch_router(watch: CallWatch) -> APIRouter:
    """``GET /phone/calls/{sid}/events``: the call's events as server-sent events."""
    router = APIRouter(prefix="/phone/calls", tags=["browser phone"])

    @router.get("/{call_sid}/events")
    async def events(
        call_sid: str,
        x_call_token: Annotated[str, Header()] = "",
        after: Annotated[int, Query(ge=0)] = 0,
    ) -> StreamingResponse:
        """The page's own call, from event ``after`` on; 404 without that call's token."""
        if not watch.allowed(call_sid, x_call_token):
            raise HTTPException(404, "no call to follow here")
        return StreamingResponse(_sse(watch.follow(call_sid, after)),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    return router


async def _sse(views: AsyncIterator[tuple[int, Any]]) -> AsyncIterator[str]:
    yield "retry: 500\n\n"
    async for number, shown in views:
        if shown is None:
            yield ": still here\n\n"
        else:
            yield f"id: {number}\ndata: {json.dumps(shown, default=str)}\n\n"
