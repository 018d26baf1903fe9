"""One media stream per signed voice webhook, and no signed request let in twice.

The routes run on loopback with the Twilio-playing client; the observer and the handler record
whether a call was ever started (a refused stream must start nothing and record nothing).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from fastapi import FastAPI
from websockets.exceptions import ConnectionClosed, InvalidStatus

from telephony.twilio.admission import MemorySeen, StreamTickets
from telephony.twilio.client import TwilioClient
from telephony.twilio.routes import TwilioOptions, make_router
from telephony.twilio.signature import SIGNATURE_HEADER, sign
from tests.conftest import serving
from tests.telephony.twilio.handlers import EchoBot, Recorder, until

TOKEN = "admission-token"


@dataclass
class Service:
    url: str
    bot: EchoBot
    recorder: Recorder
    options: TwilioOptions


@pytest_asyncio.fixture(loop_scope="function")
async def service() -> AsyncIterator[Service]:
    bot, recorder = EchoBot(greeting_seconds=0.2), Recorder()
    options = TwilioOptions(auth_token=TOKEN, stream_window=0.5)
    app = FastAPI()
    app.include_router(make_router(bot, recorder, options))
    async with serving(app) as url:
        yield Service(url, bot, recorder, options)


async def closed_by_service(stream: object) -> int | None:
    """Read until the service closes the socket; the close code."""
    socket = stream.socket  # type: ignore[attr-defined]
    try:
        async with asyncio.timeout(5):
            while True:
                await socket.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def test_each_call_gets_its_own_stream_url(service: Service) -> None:
    async with TwilioClient(service.url, TOKEN) as one, TwilioClient(service.url, TOKEN) as two:
        first, second = (await one.ring()).stream_url, (await two.ring()).stream_url
    assert first != second
    assert sign(TOKEN, first) != sign(TOKEN, second)  # one handshake's signature fits no other


async def test_a_stream_naming_a_call_no_webhook_announced_is_refused(service: Service) -> None:
    async with TwilioClient(service.url, TOKEN) as twilio, \
            TwilioClient(service.url, TOKEN) as stranger:
        answer = await twilio.ring()
        stream = await stranger.open_stream(answer.stream_url, answer.parameters)
        assert await closed_by_service(stream) == 1008
    assert service.bot.calls == [] and service.recorder.dropped == []
    assert [sid for sid, *_ in service.recorder.ringing] == [twilio.call_sid]
    assert service.options.stats["wrong-call"] == 1


async def test_a_stream_for_an_unannounced_call_sid_is_refused_at_the_handshake(
    service: Service,
) -> None:
    async with TwilioClient(service.url, TOKEN) as twilio:
        answer = await twilio.ring()
        forged = answer.stream_url.replace(twilio.call_sid, "CA" + "0" * 32)
        with pytest.raises(InvalidStatus) as refused:
            await twilio.open_stream(forged, answer.parameters)
    assert refused.value.response.status_code == 403
    assert service.bot.calls == [] and service.options.stats["bad-ticket"] == 1


async def test_a_second_stream_for_the_same_call_is_refused(service: Service) -> None:
    async with TwilioClient(service.url, TOKEN) as twilio:
        answer = await twilio.ring()
        stream = await twilio.open_stream(answer.stream_url, answer.parameters)
        await until(lambda: service.bot.calls == [twilio.call_sid])
        with pytest.raises(InvalidStatus) as refused:  # the same signed handshake, replayed
            await twilio.open_stream(answer.stream_url, answer.parameters)
        await stream.send_stop()
        await stream.close()
    assert refused.value.response.status_code == 403
    assert service.bot.calls == [twilio.call_sid]
    assert service.options.stats["repeated-stream"] == 1


async def test_a_stream_must_start_soon_after_its_webhook(service: Service) -> None:
    async with TwilioClient(service.url, TOKEN) as twilio:
        answer = await twilio.ring()
        await asyncio.sleep(2.1)
        with pytest.raises(InvalidStatus):
            await twilio.open_stream(answer.stream_url, answer.parameters)
    assert service.bot.calls == [] and service.options.stats["late-stream"] == 1


@pytest.mark.parametrize("path", ["/twilio/voice", "/twilio/status", "/twilio/dial-done"])
async def test_a_signed_webhook_is_let_in_once(service: Service, path: str) -> None:
    async with TwilioClient(service.url, TOKEN) as twilio:
        params = twilio.call_params(CallStatus="ringing", DialCallStatus="completed")
        headers = {SIGNATURE_HEADER: sign(TOKEN, service.url + path, params)}
        first = await twilio._http.post(service.url + path, data=params, headers=headers)
        again = await twilio._http.post(service.url + path, data=params, headers=headers)
    assert first.status_code in {200, 204} and again.status_code == 403
    assert service.options.stats["replayed-webhook"] == 1


async def test_a_second_voice_webhook_for_a_call_is_refused(service: Service) -> None:
    async with TwilioClient(service.url, TOKEN) as twilio:
        await twilio.ring()
        url = service.url + "/twilio/voice"
        params = twilio.call_params(CallStatus="in-progress")  # signed afresh, same call
        again = await twilio._http.post(url, data=params,
                                        headers={SIGNATURE_HEADER: sign(TOKEN, url, params)})
    assert again.status_code == 403 and len(service.recorder.ringing) == 1


async def test_different_status_callbacks_for_one_call_are_all_let_in(service: Service) -> None:
    async with TwilioClient(service.url, TOKEN) as twilio:
        codes = [(await twilio.status(status)).status_code
                 for status in ("ringing", "in-progress", "completed")]
    assert codes == [204, 204, 204]


def test_seen_forgets_after_a_while() -> None:
    now = [0.0]
    seen = MemorySeen(clock=lambda: now[0])
    assert seen.first_time("a", 10) and not seen.first_time("a", 10)
    now[0] = 10.5
    assert seen.first_time("a", 10)
    now[0] = 100.0
    seen.first_time("b", 1)
    assert len(seen) == 1  # expired entries are swept


def test_tickets_bind_the_call_and_expire() -> None:
    now = [1000.0]
    tickets = StreamTickets("token", MemorySeen(), window=30, clock=lambda: now[0])
    sid, ticket = tickets.issue("CA" + "1" * 32).split("/")
    assert tickets.admit("CA" + "2" * 32, ticket) == "bad-ticket"
    assert tickets.admit(sid, ticket.replace(ticket[-1], "0" if ticket[-1] != "0" else "1")) \
        == "bad-ticket"
    assert StreamTickets("other", MemorySeen(), clock=lambda: now[0]).admit(sid, ticket) \
        == "bad-ticket"
    now[0] += 40
    assert tickets.admit(sid, ticket) == "late-stream"
    now[0] -= 40
    assert tickets.admit(sid, ticket) is None
    assert tickets.admit(sid, ticket) == "repeated-stream"
