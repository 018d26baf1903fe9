"""The Twilio endpoints: voice webhook, media websocket, ``<Connect action>``, status.

Every endpoint checks ``X-Twilio-Signature`` before doing anything, so a forged request gets a
403 and starts nothing; a signed request sent a second time is refused the same way, and each
call gets its own stream URL, good for one stream (``telephony.twilio.admission``). Only
``/twilio/*`` is meant to be reachable from the internet.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request, Response, WebSocket
from starlette.datastructures import FormData, UploadFile
from twilio.request_validator import RequestValidator

from telephony.call import CallGate, CallHandler, CallInfo, CallObserver, Outcome
from telephony.twilio import signature, twiml
from telephony.twilio.admission import MemorySeen, Seen, StreamTickets
from telephony.twilio.outcomes import OutcomeBook, OutcomeLedger
from telephony.twilio.stream import GuardedObserver, StreamPolicy, await_start, run_call

_LOGGER = logging.getLogger(__name__)
_XML = "application/xml"
_MAX_FORM_BYTES = 65_536


@dataclass
class TwilioOptions:
    """Telephony-side settings for the Twilio adapter (the app maps its config onto these)."""

    auth_token: str | None
    verify_signatures: bool = True
    """Off only for local development; the router logs a warning when it is."""
    public_url: str | None = None
    """``https://voicebot.example.gov.uk``; default: rebuilt from the request's (forwarded) host."""
    fallback: Outcome = field(default_factory=lambda: Outcome("hangup", reason="no-outcome"))
    """For calls whose conversation failed or whose outcome is unknown."""
    lead: float = 0.2
    """How far outbound audio may run ahead of real time: the most a ``clear`` lets through,
    and the slack that rides out network jitter and event-loop stalls without gaps."""
    outcome_wait: float = 5.0
    """How long the action URL waits for a conversation that is still finishing."""
    transfer_failed_message: str = (
        "Sorry, nobody is free to take your call right now. Please call back later. Goodbye."
    )
    stats: Counter[str] = field(default_factory=Counter)
    """Dropped-message counts by reason, dropped calls and handler errors (for /metrics)."""
    seen: Seen | None = None
    """What was let in already (signatures, calls, streams); default: this process's memory.
    Several processes answering one number must share one (the service passes its database's).
    Its calls may block, so they run in a worker thread."""
    stream_window: float = 30.0
    """Seconds after the voice webhook within which its call's media stream must start."""
    replay_window: float = 900.0
    """How long a webhook's signature is remembered, so the same request is let in once."""
    call_memory: float = 86_400.0
    """How long a call sid is remembered, so its voice webhook cannot start a second call."""
    outcomes: OutcomeLedger | None = None
    """Shares outcomes between the service's processes (None: this process only)."""
    gate: CallGate | None = None
    """Decides whether new calls are taken (a draining process refuses them)."""
    refusal: str = "busy"
    """How a refused call is answered: ``busy``, ``proxy`` (503) or a URL to redirect to."""


def make_router(handler: CallHandler, observer: CallObserver, options: TwilioOptions
                ) -> APIRouter:
    """The ``/twilio/*`` routes, running ``handler`` for each call's media stream."""
    if options.verify_signatures and not options.auth_token:
        raise ValueError("no Twilio auth token: set twilio.auth_token or TWILIO_AUTH_TOKEN "
                         "(or switch verify_signatures off for local development only)")
    if not options.verify_signatures:
        _LOGGER.warning("Twilio signature checks are OFF: anyone can place calls into this "
                        "service. Never run like this where the internet can reach it.")
    observer = GuardedObserver(observer)
    validator = RequestValidator(options.auth_token or "")
    seen = options.seen or MemorySeen()
    tickets = StreamTickets(options.auth_token, seen, options.stream_window)
    book = OutcomeBook(ledger=options.outcomes)
    policy = StreamPolicy(fallback=options.fallback, lead=options.lead, stats=options.stats)
    router = APIRouter(prefix="/twilio", tags=["twilio"])

    async def verified_form(request: Request) -> tuple[FormData, str]:
        """The webhook's parameters (the form of a POST, the query of a GET) and its signature,
        checked; the signature is not yet remembered (see ``remember``)."""
        if request.method == "GET":
            form, signed_params = FormData(list(request.query_params.multi_items())), FormData()
        else:
            form = signed_params = await _read_form(request)
        if not options.verify_signatures:
            return form, ""
        url = signature.signed_url(request.url, request.headers, options.public_url,
                                   websocket=False)
        if not signature.is_valid(validator, url, signed_params, request.headers):
            options.stats["bad-signature"] += 1
            _LOGGER.warning("rejected %s: missing or wrong X-Twilio-Signature for %s",
                            request.url.path, url)
            raise HTTPException(status_code=403, detail="invalid Twilio signature")
        return form, request.headers.get(signature.SIGNATURE_HEADER, "")

    async def remember(request: Request, signed: str) -> None:
        """Let a signed request in once: a replay of it, to any process, is refused."""
        if signed and not await asyncio.to_thread(seen.first_time, f"signature:{signed}",
                                                  options.replay_window):
            options.stats["replayed-webhook"] += 1
            _LOGGER.warning("rejected %s: the same signed request was already received",
                            request.url.path)
            raise HTTPException(status_code=403, detail="request already received")

    async def signed_form(request: Request) -> FormData:
        form, signed = await verified_form(request)
        await remember(request, signed)
        return form

    def base(request: Request | WebSocket) -> str:
        return signature.public_base(request.url, request.headers, options.public_url)

    @router.api_route("/voice", methods=["GET", "POST"])
    async def voice(request: Request) -> Response:
        form, signed = await verified_form(request)
        call_sid = _required(form, "CallSid")
        if options.gate is not None and not options.gate.admit(call_sid):
            # Before anything is remembered: the proxy retries this same signed request on a
            # sibling, which shares what was let in.
            options.stats["refused-draining"] += 1
            _LOGGER.info("call %s: refused (%s): this process is draining", call_sid,
                         options.refusal)
            return refuse(options.refusal)
        await remember(request, signed)
        if not await asyncio.to_thread(seen.first_time, f"call:{call_sid}",
                                       options.call_memory):
            options.stats["repeated-call"] += 1
            _LOGGER.warning("rejected a second voice webhook for call %s", call_sid)
            raise HTTPException(status_code=403, detail="call already answered")
        caller, called = str(form.get("From", "")), str(form.get("To", ""))
        observer.call_ringing(call_sid, caller, called)
        http_base = base(request)
        if not http_base.startswith("https://"):
            _LOGGER.warning("answering call %s with a ws:// stream URL; Twilio needs https",
                            call_sid)
        body = twiml.connect_stream(
            f"{signature.websocket_base(http_base)}/twilio/media/{tickets.issue(call_sid)}",
            f"{http_base}/twilio/after",
            {"callSid": call_sid, "from": caller, "to": called},
        )
        return Response(body, media_type=_XML)

    @router.websocket("/media/{call_sid}/{ticket}")
    async def media(websocket: WebSocket, call_sid: str, ticket: str) -> None:
        if options.refusal == "proxy" and options.gate and not options.gate.accepting():
            # Behind a proxy any process may take the stream, whoever answered the webhook:
            # a draining one refuses the handshake so that the proxy tries a sibling.
            options.stats["refused-draining"] += 1
            await websocket.send_denial_response(Response("draining", status_code=503))
            return
        if options.verify_signatures:
            url = signature.signed_url(websocket.url, websocket.headers, options.public_url,
                                       websocket=True)
            if not signature.is_valid(validator, url, {}, websocket.headers):
                options.stats["bad-signature"] += 1
                _LOGGER.warning("rejected media websocket: missing or wrong signature for %s",
                                url)
                await websocket.close(code=1008)  # before accept: the handshake gets a 403
                return
        if refused := await asyncio.to_thread(tickets.admit, call_sid, ticket):
            await _refuse(websocket, refused, call_sid, options.stats)
            return
        await websocket.accept()
        start = await await_start(websocket, policy)
        if start is None:
            return
        details = start["start"]
        if details["callSid"] != call_sid:
            await _refuse(websocket, "wrong-call", details["callSid"], options.stats)
            return
        parameters = details["customParameters"]
        info = CallInfo(
            call_sid=details["callSid"],
            stream_sid=details["streamSid"],
            from_number=parameters.get("from", ""),
            to_number=parameters.get("to", ""),
            carrier="twilio",
            parameters=dict(parameters),
        )
        _LOGGER.info("call %s: media stream %s started", info.call_sid, info.stream_sid)
        outcome = await run_call(websocket, info, handler, policy, book, observer.call_dropped)
        _LOGGER.info("call %s: stream over; outcome %s (%s)", info.call_sid, outcome.kind,
                     outcome.reason)

    @router.post("/after")
    async def after(request: Request) -> Response:
        form = await signed_form(request)
        call_sid = _required(form, "CallSid")
        outcome = await book.wait(call_sid, options.outcome_wait)
        if outcome is None:
            _LOGGER.warning("call %s: no outcome known at the action URL; using fallback",
                            call_sid)
            outcome = options.fallback
        if options.gate is not None:
            dialled = outcome.kind == "transfer" and outcome.target is not None and (
                outcome.target.kind != "queue")
            options.gate.action_served(call_sid, whisper=dialled and bool(outcome.whisper_url))
        http_base = base(request)
        body = twiml.for_outcome(
            outcome,
            call_sid,
            whisper_twiml_url=f"{http_base}/twilio/whisper/{call_sid}",
            dial_action_url=f"{http_base}/twilio/dial-done",
        )
        return Response(body, media_type=_XML)

    @router.post("/whisper/{call_sid}")
    async def whisper(call_sid: str, request: Request) -> Response:
        await signed_form(request)
        outcome = await book.find(call_sid)
        return Response(twiml.play(outcome.whisper_url if outcome else None), media_type=_XML)

    @router.post("/dial-done")
    async def dial_done(request: Request) -> Response:
        form = await signed_form(request)
        status = str(form.get("DialCallStatus", ""))
        if status in twiml.FAILED_DIAL_STATUSES:
            _LOGGER.warning("call %s: transfer not answered (%s)", form.get("CallSid"), status)
        return Response(twiml.after_dial(status, options.transfer_failed_message),
                        media_type=_XML)

    @router.api_route("/status", methods=["GET", "POST"])
    async def status(request: Request) -> Response:
        form = await signed_form(request)
        observer.call_status(_required(form, "CallSid"), str(form.get("CallStatus", "")))
        return Response(status_code=204)

    return router


async def _refuse(websocket: WebSocket, reason: str, call_sid: str, stats: Counter[str]) -> None:
    """No conversation and no record for this stream; before accept, the handshake gets 403."""
    stats[reason] += 1
    _LOGGER.warning("refused a media stream for call %s: %s", call_sid, reason)
    await websocket.close(code=1008)


def refuse(refusal: str) -> Response:
    """The answer to a new call on a draining process.

    ``busy`` rejects it (Twilio plays a busy tone; nothing is answered or billed), ``proxy``
    answers 503 so that nginx retries the webhook on a sibling process, and a URL redirects the
    call's TwiML there (Twilio requests it with the same parameters, signed for that URL).
    """
    if refusal == "proxy":
        return Response("draining: try another process", status_code=503,
                        headers={"Retry-After": "0"}, media_type="text/plain")
    if refusal.startswith(("https://", "http://")):
        return Response(twiml.redirect(refusal), media_type=_XML)
    return Response(twiml.reject_busy(), media_type=_XML)


async def _read_form(request: Request) -> FormData:
    """Twilio's form-encoded parameters (parsed here: no multipart library needed)."""
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        raise HTTPException(status_code=413, detail="webhook body too large")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise HTTPException(status_code=400, detail="webhook body is not UTF-8") from None
    return FormData(list[tuple[str, str | UploadFile]](pairs))


def _required(form: FormData | dict[str, Any], name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str) or not value:
        raise HTTPException(status_code=400, detail=f"missing {name}")
    return value
