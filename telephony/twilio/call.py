"""``MediaStreamCall``: the ``Call`` port over a Media Streams style websocket.

Used for Twilio and for the browser phone, which speaks the same JSON. The reader task feeds
parsed messages in through ``receive``; the conversation reads ``events()`` and talks through
``play``/``mark``/``clear``. Everything the carrier gets wrong is dropped here with a logged,
counted reason, so the conversation only ever sees well-formed events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Literal, Protocol

from telephony.call import CallInfo
from telephony.events import AudioIn, InboundEvent, MarkPlayed, StreamStopped
from telephony.pacer import Pacer
from telephony.twilio import serializer
from telephony.twilio.messages import InboundMessage, ProtocolViolation

_LOGGER = logging.getLogger(__name__)

MAX_BACKLOG_FRAMES = 1000
"""20 s of unread caller audio; past that the conversation is stuck and frames are dropped."""
_CLOSE_MARK = "telephony-close"
_RESOLVED_MEMORY = 512


class TransportClosed(Exception):
    """The socket is gone; raised by a ``Transport`` when a send cannot happen."""


class Transport(Protocol):
    """The one websocket a call's messages go out on."""

    async def send_text(self, text: str) -> None: ...

    async def close(self) -> None: ...


class MediaStreamCall:
    """One live media stream: inbound events, paced outbound audio, marks and clear."""

    def __init__(
        self,
        info: CallInfo,
        transport: Transport,
        *,
        lead: float = 0.1,
        stats: Counter[str] | None = None,
        on_drop: Callable[[str, str], None] | None = None,
    ) -> None:
        self._info = info
        self._transport = transport
        self._inbox: asyncio.Queue[InboundEvent] = asyncio.Queue()
        self._pending: dict[str, asyncio.Event] = {}
        self._resolved: OrderedDict[str, bool] = OrderedDict()
        self._stopped: Literal["stop", "dropped", "closed"] | None = None
        self._transport_open = True
        self._closing = False
        self._on_drop = on_drop
        self.stats = stats if stats is not None else Counter()
        self.violations: Counter[str] = Counter()
        self.pacer = Pacer(self._send_frame, self._send_mark, rate=info.rate, lead=lead)

    # The port, as the conversation sees it.

    @property
    def info(self) -> CallInfo:
        return self._info

    @property
    def stopped(self) -> str | None:
        """Why the stream ended (``stop``, ``dropped``, ``closed``), or None while live."""
        return self._stopped

    async def events(self) -> AsyncIterator[InboundEvent]:
        while True:
            event = await self._inbox.get()
            yield event
            if isinstance(event, StreamStopped):
                return

    async def play(self, pcm: bytes) -> None:
        if self._stopped is None:
            self.pacer.push_audio(pcm)

    async def mark(self, name: str) -> None:
        if self._stopped is not None:
            self._remember(name, cleared=True)  # nobody will hear it; waiters must not hang
            return
        self._pending[name] = asyncio.Event()
        self.pacer.push_mark(name)

    async def clear(self) -> None:
        self.pacer.clear()
        if self._stopped is None:
            await self._send(serializer.encode_clear(self._info.stream_sid))
        for name in list(self._pending):
            self._resolve(name, cleared=True)

    async def wait_played(self, name: str, timeout: float) -> bool:  # noqa: ASYNC109 (the port)
        if name in self._resolved:
            return True
        event = self._pending.get(name)
        if event is None:
            return False
        try:
            async with asyncio.timeout(timeout):
                await event.wait()
        except TimeoutError:
            return False
        return True

    async def close(self, farewell: str | None = None) -> None:
        """Let queued audio finish playing (bounded), send ``farewell``, end the stream."""
        if self._closing:
            return
        self._closing = True
        if self._stopped is None and self._transport_open:
            budget = self.pacer.queued_seconds + self.pacer.lead + 3.0
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(budget):
                    await self.pacer.drained()
                    self._pending[_CLOSE_MARK] = asyncio.Event()
                    self.pacer.push_mark(_CLOSE_MARK)
                    await self._pending[_CLOSE_MARK].wait()
        self.end("closed")
        if farewell is not None:
            await self._send(farewell)
        if self._transport_open:
            self._transport_open = False
            with contextlib.suppress(TransportClosed):
                await self._transport.close()

    # The adapter side, driven by the websocket reader.

    def receive(self, message: InboundMessage) -> None:
        """Take one parsed inbound message; anything out of place is dropped and counted."""
        try:
            event = self._check(message)
        except ProtocolViolation as err:
            self.violation(err)
            return
        if isinstance(event, MarkPlayed):
            self._resolve(event.name, cleared=False)
        elif isinstance(event, StreamStopped):
            self.end("stop")
        elif isinstance(event, AudioIn) and self._inbox.qsize() >= MAX_BACKLOG_FRAMES:
            self.violation(ProtocolViolation("backlog", "conversation is not reading audio"))
        elif event is not None:
            self._inbox.put_nowait(event)

    def violation(self, err: ProtocolViolation) -> None:
        """Log (first of each kind loudly), drop and count a bad inbound message."""
        self.violations[err.reason] += 1
        self.stats[err.reason] += 1
        level = logging.WARNING if self.violations[err.reason] == 1 else logging.DEBUG
        _LOGGER.log(level, "call %s: dropped inbound message: %s", self._info.call_sid, err)

    def end(self, reason: Literal["stop", "dropped", "closed"], detail: str = "") -> None:
        """The stream is over: release waiters and tell the conversation, once."""
        if self._stopped is not None:
            return
        self._stopped = reason
        self.pacer.clear()
        for name in list(self._pending):
            self._resolve(name, cleared=True)
        if reason == "dropped":
            self.stats["dropped-calls"] += 1
            _LOGGER.warning("call %s: media stream dropped: %s", self._info.call_sid, detail)
            if self._on_drop is not None:
                self._on_drop(self._info.call_sid, detail)
        if self.violations:
            _LOGGER.info("call %s: dropped inbound messages: %s", self._info.call_sid,
                         dict(self.violations))
        self._inbox.put_nowait(StreamStopped(reason))

    def transport_lost(self) -> None:
        self._transport_open = False

    def _check(self, message: InboundMessage) -> InboundEvent | None:
        if self._stopped is not None:
            raise ProtocolViolation("after-stop", f"{message['event']} after the stream ended")
        if message["event"] == "connected" or message["event"] == "start":
            raise ProtocolViolation("repeated-handshake", message["event"])
        if message["streamSid"] != self._info.stream_sid:
            raise ProtocolViolation("wrong-stream", message["streamSid"][:40])
        return serializer.to_event(message)

    def _resolve(self, name: str, *, cleared: bool) -> None:
        event = self._pending.pop(name, None)
        if event is None:
            return  # an echo of a mark already cleared, or one we never sent
        event.set()
        self._remember(name, cleared)
        if name != _CLOSE_MARK:
            self._inbox.put_nowait(MarkPlayed(name, cleared))

    def _remember(self, name: str, cleared: bool) -> None:
        self._resolved[name] = cleared
        while len(self._resolved) > _RESOLVED_MEMORY:
            self._resolved.popitem(last=False)

    async def _send_frame(self, pcm: bytes) -> None:
        await self._send(serializer.encode_audio(self._info.stream_sid, pcm))

    async def _send_mark(self, name: str) -> None:
        await self._send(serializer.encode_mark(self._info.stream_sid, name))

    async def _send(self, text: str) -> None:
        if not self._transport_open:
            return
        try:
            await self._transport.send_text(text)
        except TransportClosed:
            self._transport_open = False

