"""Two instances of the service on one database: any request may land on either.

Instance A holds the call's media stream; Twilio's action, whisper and audio requests, the
agent's desktop and the records API are all answered by instance B. Sessions made on one are
honoured (and ended) on the other. On PostgreSQL, B's desktop hears of A's transfer through
``LISTEN/NOTIFY`` within a second; on SQLite notices stay in their process (B's desktops catch up
at the next resync), so that part runs on PostgreSQL only.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from telephony.call import Call, CallHandler, Outcome
from telephony.twilio.client import TwilioClient
from telephony.twilio.routes import TwilioOptions, make_router
from tests.conftest import serving
from tests.postgres import PostgresServer
from tests.voicebot.handoff.test_handoff import PiperSentences
from tests.web.conftest import (
    Service,
    build_service,
    desk_settings,
    log_in,
    transfer_call,
)
from tests.web.test_desktop import _next_event
from voicebot.events import CallEvent, CallEventType
from voicebot.flows.actions import Handover
from voicebot.handoff import Handoff, synthesize_with
from voicebot.records.outcomes import StoredOutcomes
from voicebot.web.auth import COOKIE
from voicebot.web.csrf import FIELD, HEADER
from voicebot.web.whisper import make_whisper_router

TOKEN = "twilio-test-token"
PUBLIC = "https://voicebot.example.gov.uk"
SUMMARY = "Council tax enquiry, account verified, caller is moving home"
TARGETS = {"council_tax": {"kind": "number", "address": "+441130000001", "hours": "always"}}


@asynccontextmanager
async def two_instances(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[Service,
                                                                                  Service]]:
    first, second = (build_service(desk_settings(tmp_path / name, database_url=database_url,
                                                 public_url=PUBLIC, transfer_targets=TARGETS))
                     for name in ("a", "b"))
    try:
        yield first, second
    finally:
        for service in (first, second):
            service.live.close()
            service.records.close()


async def test_a_transfer_on_one_instance_reaches_desktops_on_the_other(
        tmp_path: Path, postgres: PostgresServer) -> None:
    async with two_instances(tmp_path, postgres.create_database()) as (a, b), \
            serving(a.app) as base_a, serving(b.app) as base_b, \
            httpx.AsyncClient(base_url=base_b, trust_env=False) as on_b, \
            httpx.AsyncClient(base_url=base_a, trust_env=False) as on_a:
        await log_in(on_b, "alice")
        on_a.cookies.set(COOKIE, on_b.cookies[COOKIE])  # the session is known to A as well
        on_a.headers[HEADER] = on_b.headers[HEADER]  # and so is its CSRF token
        async with on_b.stream("GET", "/desktop/events", timeout=10) as stream:
            lines = stream.aiter_lines()
            assert json.loads(await _next_event(lines, "snapshot"))["calls"] == []
            sent = time.monotonic()
            transfer_call(a.events, "CA1")  # the call was on instance A
            entry = json.loads(await _next_event(lines, "call"))["call"]
            elapsed = time.monotonic() - sent
            assert entry["call_sid"] == "CA1" and entry["summary"].startswith("Council tax")
            assert elapsed < 1.0, f"B's desktop heard of A's transfer after {elapsed:.2f} s"
            claimed = await on_a.post("/desktop/api/calls/CA1/claim")
            assert claimed.status_code == 200
            states: list[str] = []
            while not states or states[-1] != "claimed":
                states.append(json.loads(await _next_event(lines, "call"))["call"]["state"])
            b.live.close()
        logout = await on_a.post("/desktop/logout", data={FIELD: on_a.headers[HEADER]})
        assert logout.status_code == 303
        assert (await on_b.get("/desktop/api/queue")).status_code == 401  # ended everywhere


async def test_a_session_from_one_instance_works_on_the_other(tmp_path: Path,
                                                              database_url: str) -> None:
    async with two_instances(tmp_path, database_url) as (a, b):
        transport_a = httpx.ASGITransport(app=a.app, client=("192.0.2.10", 50_000))
        transport_b = httpx.ASGITransport(app=b.app, client=("192.0.2.10", 50_000))
        async with httpx.AsyncClient(transport=transport_a, base_url="http://t") as on_a, \
                httpx.AsyncClient(transport=transport_b, base_url="http://t") as on_b:
            await log_in(on_a, "sue")
            cookie = on_a.cookies[COOKIE]
            on_b.cookies.set(COOKIE, cookie)
            on_b.headers[HEADER] = on_a.headers[HEADER]
            seen_on_b = await on_b.get("/desktop/api/figures")
            logout = await on_b.post("/desktop/logout", data={FIELD: on_b.headers[HEADER]})
            assert logout.status_code == 303
            on_a.cookies.set(COOKIE, cookie)  # a copy of the cookie kept after logout
            after = await on_a.get("/desktop/api/queue")
    assert seen_on_b.status_code == 200
    assert after.status_code == 401


@pytest.mark.slow
async def test_twilio_requests_after_the_stream_may_reach_the_other_instance(
        tmp_path: Path, database_url: str) -> None:
    synthesize = synthesize_with(PiperSentences())
    async with two_instances(tmp_path, database_url) as (a, b):
        ledgers = [StoredOutcomes(s.records.database) for s in (a, b)]
        handoffs = [Handoff(s.settings, synthesize=synthesize, notes=ledger,
                            transcripts=s.records.read_transcript)
                    for s, ledger in zip((a, b), ledgers, strict=True)]
        for service, ledger, handoff in zip((a, b), ledgers, handoffs, strict=True):
            options = TwilioOptions(TOKEN, public_url=PUBLIC, outcomes=ledger)
            service.app.include_router(make_router(hand_over(service, handoff), service.records,
                                                   options))
            service.app.include_router(make_whisper_router(handoff))
        try:
            async with serving(a.app) as base_a, serving(b.app) as base_b:
                await converse_on(base_a)
                await answer_the_rest_on(base_b)
        finally:
            for ledger in ledgers:
                ledger.close()


def hand_over(service: Service, handoff: Handoff) -> CallHandler:
    async def handler(call: Call) -> Outcome:
        sid, emit = call.info.call_sid, service.events
        emit(CallEvent(CallEventType.CALL_START, sid, {"from": call.info.from_number, "to": ""}))
        emit(CallEvent(CallEventType.TRANSCRIPT, sid, {"text": "I'm moving home"}))

        class Dialogue:
            verified, slots = True, {"account": "12345678"}

        outcome = await handoff.for_call(sid)(Handover("council_tax", "moving home", SUMMARY),
                                              Dialogue())
        emit(CallEvent(CallEventType.TRANSFER, sid, {"team": "council_tax", "verified": True,
                                                     "reason": "moving home",
                                                     "summary": SUMMARY}))
        await call.close()
        emit(CallEvent(CallEventType.CALL_END, sid, {"outcome": "transferred"}))
        return outcome

    return handler


CALL_SID = "CA" + "5" * 32


async def converse_on(base: str) -> None:
    """Twilio rings instance A and streams the call to it until A hands the caller over."""
    async with TwilioClient(base, TOKEN, call_sid=CALL_SID, public_url=PUBLIC) as twilio:
        answer = await twilio.ring()
        assert answer.action_url == f"{PUBLIC}/twilio/after"
        stream = await twilio.open_stream(answer.stream_url, answer.parameters)
        try:
            while True:
                message = json.loads(await stream.socket.recv())
                if message["event"] == "mark":
                    await stream.send_mark(message["mark"]["name"])
        except ConnectionClosed:
            pass


async def answer_the_rest_on(base: str) -> None:
    """Everything after the stream goes to instance B, which never saw the call."""
    async with TwilioClient(base, TOKEN, call_sid=CALL_SID, public_url=PUBLIC) as twilio, \
            httpx.AsyncClient(base_url=base, trust_env=False) as http:
        twiml = await twilio.after(f"{PUBLIC}/twilio/after")
        number = ET.fromstring(twiml).find("Dial/Number")
        assert number is not None and number.text == "+441130000001", twiml
        whisper = await twilio.post(str(number.get("url")), twilio.call_params())
        play = ET.fromstring(whisper.text).find("Play")
        assert play is not None and play.text and play.text.startswith(PUBLIC)
        audio = await http.get(twilio.reachable(play.text), timeout=60)
        await log_in(http, "alice")
        entry = (await http.get(f"/desktop/api/calls/{CALL_SID}")).json()["call"]
        api = (await http.get(f"/api/calls/{CALL_SID}",
                              headers={"Authorization": "Bearer api-token-123"})).json()
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    assert len(audio.content) > 8000 * 2  # B said the summary itself: over a second of speech
    assert entry["summary"] == SUMMARY and entry["state"] == "waiting"
    assert api["outcome"] == "transferred"
