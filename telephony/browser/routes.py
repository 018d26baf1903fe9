"""The browser phone: ``GET /phone`` serves the page, ``/phone/media`` carries the call.

The page speaks the Media Streams JSON that Twilio speaks (mu-law 8 kHz, 20 ms frames,
media/mark/clear/dtmf/stop), so a browser call runs through the same ``MediaStreamCall`` and the
same conversation as a phone call. There is no signature: the page is for council staff on the
council network, and the app decides whether to mount it. The service names each browser call
(``BR`` + 32 hex digits) rather than trusting the page to, and tells the page that name with a
secret token (a ``call`` message before the bot speaks), with which the page may follow the
call's own events where the service offers them.

Two guards stand in for a signature. A websocket whose ``Origin`` is another site is refused
(a page elsewhere cannot use a member of staff's browser to place calls), and at most
``max_calls`` browser calls run at once; the next is told it is busy (close code 1013), so the
test phone can never take the CPU that phone calls need.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from collections import Counter
from importlib.resources import files
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response, WebSocket
from fastapi.responses import RedirectResponse

from telephony.call import CallGate, CallHandler, CallInfo, CallObserver, Outcome
from telephony.twilio.outcomes import OutcomeBook
from telephony.twilio.stream import GuardedObserver, StreamPolicy, await_start, run_call

_LOGGER = logging.getLogger(__name__)
_STATIC = files("telephony.browser") / "static"


def describe(outcome: Outcome) -> str:
    """One line for the page: how the call ended."""
    if outcome.kind == "transfer" and outcome.target is not None:
        where = f"{outcome.target.kind} {outcome.target.address}"
        return f"transferred to {where}" + (f" ({outcome.reason})" if outcome.reason else "")
    return "ended by the voicebot" + (f" ({outcome.reason})" if outcome.reason else "")


def make_router(
    handler: CallHandler,
    observer: CallObserver | None = None,
    *,
    fallback: Outcome | None = None,
    lead: float = 0.2,
    stats: Counter[str] | None = None,
    origins: frozenset[str] = frozenset(),
    max_calls: int | None = None,
    gate: CallGate | None = None,
) -> APIRouter:
    """``/phone`` routes running ``handler`` for each browser call.

    ``origins`` are origins allowed besides the page's own host (``https://bot.example``).
    """
    guarded = GuardedObserver(observer) if observer is not None else None
    policy = StreamPolicy(fallback=fallback or Outcome("hangup", reason="no-outcome"), lead=lead,
                          stats=stats if stats is not None else Counter())
    book = OutcomeBook(keep=60.0)
    router = APIRouter(prefix="/phone", tags=["browser phone"])
    assets = {name: (_STATIC / name).read_text(encoding="utf-8") for name in _ASSETS}
    active = 0

    @router.get("", include_in_schema=False)
    async def to_page(request: Request) -> RedirectResponse:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"phone/{query}", status_code=307)

    @router.get("/")
    async def phone_page() -> Response:
        return Response(assets["phone.html"], media_type=_ASSETS["phone.html"],
                        headers={"Cache-Control": "no-store"})

    @router.get("/{name}", include_in_schema=False)
    async def phone_asset(name: str) -> Response:
        if name not in _ASSETS or name == "phone.html":
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(assets[name], media_type=_ASSETS[name],
                        headers={"Cache-Control": "no-store"})

    @router.websocket("/media")
    async def media(websocket: WebSocket) -> None:
        if gate is not None and not gate.accepting():
            # Draining: refuse before anything is recorded; a proxy tries a sibling.
            await websocket.send_denial_response(Response("draining", status_code=503))
            return
        nonlocal active
        origin = websocket.headers.get("origin")
        if origin is not None and not _allowed(origin, websocket.headers.get("host"), origins):
            _LOGGER.warning("browser phone: refused a websocket from origin %r", origin[:100])
            await websocket.close(code=1008)  # before accepting: the handshake gets a 403
            return
        await websocket.accept()
        if max_calls is not None and active >= max_calls:
            _LOGGER.warning("browser phone: busy (%d calls), turned one away", active)
            await websocket.close(code=1013, reason="the browser phone is busy")
            return
        active += 1
        try:
            await _serve(websocket)
        finally:
            active -= 1

    async def _serve(websocket: WebSocket) -> None:
        start = await await_start(websocket, policy)
        if start is None:
            return
        info = CallInfo(
            call_sid="BR" + secrets.token_hex(16),
            stream_sid=start["start"]["streamSid"],
            from_number="browser",
            carrier="browser",
            parameters=dict(start["start"]["customParameters"]),
            watch_token=secrets.token_urlsafe(24),
        )
        _LOGGER.info("browser call %s started", info.call_sid)
        with contextlib.suppress(RuntimeError, OSError):  # a page already gone: run_call sees it
            await websocket.send_text(json.dumps({"event": "call", "callSid": info.call_sid,
                                                  "watchToken": info.watch_token}))
        if guarded is not None:
            guarded.call_ringing(info.call_sid, info.from_number, info.to_number)

        def on_drop(call_sid: str, reason: str) -> None:
            if guarded is not None:
                guarded.call_dropped(call_sid, reason)

        def farewell(outcome: Outcome) -> str:
            return json.dumps({"event": "outcome", "kind": outcome.kind,
                               "text": describe(outcome)})

        outcome = await run_call(websocket, info, handler, policy, book, on_drop, farewell)
        _LOGGER.info("browser call %s: %s", info.call_sid, describe(outcome))

    return router


_ASSETS = {"phone.html": "text/html; charset=utf-8", "phone.js": "text/javascript; charset=utf-8",
           "capture.js": "text/javascript; charset=utf-8", "phone.css": "text/css; charset=utf-8",
           "transcript.js": "text/javascript; charset=utf-8"}


def _allowed(origin: str, host: str | None, origins: frozenset[str]) -> bool:
    """The page's own host, or one of the configured origins; never ``null``."""
    if origin in origins:
        return True
    try:
        return host is not None and urlsplit(origin).netloc == host
    except ValueError:
        return False
