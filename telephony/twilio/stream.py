"""Runs one media websocket from handshake to close: reader, pacer and conversation.

Shared by the Twilio route and the browser phone. Nothing outlives the socket: the reader and
the pacer are cancelled when the conversation is over, and a conversation that keeps going
after the caller has gone is given ``hangup_grace`` seconds and then cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.websockets import WebSocket, WebSocketDisconnect

from telephony.call import CallHandler, CallInfo, CallObserver, Outcome
from telephony.twilio.call import MediaStreamCall, TransportClosed
from telephony.twilio.messages import ProtocolViolation, StartMessage, parse_inbound
from telephony.twilio.outcomes import OutcomeBook

_LOGGER = logging.getLogger(__name__)


@dataclass
class StreamPolicy:
    """How patient the service is with a stream, and what a failed conversation becomes."""

    fallback: Outcome
    lead: float = 0.2
    start_timeout: float = 10.0
    hangup_grace: float = 30.0
    stats: Counter[str] = field(default_factory=Counter)


class GuardedObserver:
    """Passes calls on to an observer; its failure is logged and never ends the call."""

    def __init__(self, observer: CallObserver) -> None:
        self._observer = observer

    def call_ringing(self, call_sid: str, from_number: str, to_number: str) -> None:
        self._guard("call_ringing", call_sid, from_number, to_number)

    def call_status(self, call_sid: str, status: str) -> None:
        self._guard("call_status", call_sid, status)

    def call_dropped(self, call_sid: str, reason: str) -> None:
        self._guard("call_dropped", call_sid, reason)

    def _guard(self, method: str, call_sid: str, *args: str) -> None:
        try:
            getattr(self._observer, method)(call_sid, *args)
        except Exception:
            # Record keeping is not worth a resident's call: log it loudly and carry on.
            _LOGGER.exception("call %s: observer %s failed", call_sid, method)


class SocketTransport:
    """A Starlette websocket as a ``Transport``: one send at a time, closed-ness as one error."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket
        self._lock = asyncio.Lock()

    async def send_text(self, text: str) -> None:
        async with self._lock:
            try:
                await self._websocket.send_text(text)
            except (WebSocketDisconnect, RuntimeError, OSError) as err:
                raise TransportClosed(str(err)) from err

    async def close(self) -> None:
        async with self._lock:
            try:
                await self._websocket.close()
            except (WebSocketDisconnect, RuntimeError, OSError) as err:
                raise TransportClosed(str(err)) from err


async def await_start(websocket: WebSocket, policy: StreamPolicy) -> StartMessage | None:
    """Read up to the ``start`` message; None if the socket goes or nothing valid arrives."""
    try:
        async with asyncio.timeout(policy.start_timeout):
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    _LOGGER.info("media socket closed before its start message")
                    return None
                try:
                    parsed = parse_inbound(message.get("text") or message.get("bytes") or "")
                except ProtocolViolation as err:
                    policy.stats[err.reason] += 1
                    _LOGGER.warning("media socket before start: dropped message: %s", err)
                    continue
                if parsed["event"] == "start":
                    return parsed
                if parsed["event"] != "connected":
                    policy.stats["before-start"] += 1
                    _LOGGER.warning("media socket: dropped %s before start", parsed["event"])
    except TimeoutError:
        policy.stats["no-start"] += 1
        _LOGGER.warning("media socket sent no start within %.0f s; closing",
                        policy.start_timeout)
        with contextlib.suppress(RuntimeError, OSError):
            await websocket.close(code=1008)
        return None


async def read_messages(websocket: WebSocket, call: MediaStreamCall) -> None:
    """Feed every text frame to the call until the socket closes (a drop if no ``stop``)."""
    while True:
        try:
            message = await websocket.receive()
        except (RuntimeError, OSError) as err:
            message = {"type": "websocket.disconnect", "code": 1006, "reason": str(err)}
        if message["type"] == "websocket.disconnect":
            call.transport_lost()
            call.end("dropped", f"socket closed without stop (code {message.get('code')})")
            return
        text = message.get("text")
        if text is None:
            call.violation(ProtocolViolation("binary-frame", "media streams are JSON text"))
            continue
        try:
            parsed = parse_inbound(text)
        except ProtocolViolation as err:
            call.violation(err)
            continue
        call.receive(parsed)


async def run_call(
    websocket: WebSocket,
    info: CallInfo,
    handler: CallHandler,
    policy: StreamPolicy,
    book: OutcomeBook,
    on_drop: Callable[[str, str], None],
    farewell: Callable[[Outcome], str] | None = None,
) -> Outcome:
    """Converse over an accepted socket whose ``start`` has been read; returns the outcome."""
    call = MediaStreamCall(info, SocketTransport(websocket), lead=policy.lead,
                           stats=policy.stats, on_drop=on_drop)
    book.begin(info.call_sid)
    pacer = asyncio.create_task(call.pacer.run(), name=f"pacer {info.call_sid}")
    reader = asyncio.create_task(read_messages(websocket, call), name=f"reader {info.call_sid}")
    conversation = asyncio.create_task(_converse(handler, call, policy.fallback))
    try:
        await asyncio.wait({reader, conversation}, return_when=asyncio.FIRST_COMPLETED)
        if not conversation.done():
            done, _ = await asyncio.wait({conversation}, timeout=policy.hangup_grace)
            if not done:
                _LOGGER.warning("call %s: conversation still running %.0f s after the stream "
                                "ended; cancelling it", info.call_sid, policy.hangup_grace)
                conversation.cancel()
        outcome = policy.fallback
        with contextlib.suppress(asyncio.CancelledError):
            outcome = await conversation
        book.settle(info.call_sid, outcome)
        await call.close(farewell(outcome) if farewell else None)
        return outcome
    finally:
        for task in (conversation, reader, pacer):
            task.cancel()
        await asyncio.gather(conversation, reader, pacer, return_exceptions=True)


async def _converse(handler: CallHandler, call: MediaStreamCall, fallback: Outcome) -> Outcome:
    try:
        return await handler(call)
    except Exception:
        # The handler is the whole conversation; whatever broke it, the caller must still be
        # sent somewhere, so this is the one place a broad catch is right.
        _LOGGER.exception("call %s: conversation failed; using the fallback outcome",
                          call.info.call_sid)
        call.stats["handler-errors"] += 1
        return fallback
