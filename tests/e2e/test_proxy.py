"""The shipped nginx site in front of two services: websockets through it, and new calls sent
away from a draining process without Twilio noticing.

The services here are the real Twilio routes with a small echo bot (no speech models), so the
test is about the proxy; tests/e2e/test_processes.py runs whole voicebot processes behind it.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from telephony.twilio.caller import Keys, ScriptedCaller
from telephony.twilio.client import TwilioClient
from telephony.twilio.routes import TwilioOptions, make_router
from tests.conftest import serving
from tests.e2e import proxy
from tests.telephony.twilio.handlers import EchoBot, Recorder
from voicebot.operations.drain import Drain

TOKEN = "proxy-token"

pytestmark = pytest.mark.skipif(not proxy.available(), reason="nginx is not installed "
                                "(scripts/setup --browser installs it)")


@dataclass
class Backend:
    drain: Drain
    recorder: Recorder
    bot: EchoBot
    options: TwilioOptions


@dataclass
class Site:
    url: str
    backends: list[Backend]


@pytest_asyncio.fixture(loop_scope="function")
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    async with AsyncExitStack() as stack:
        backends, addresses = [], []
        for _ in range(2):
            drain = Drain(limit=5.0, linger=0.0)
            backend = Backend(drain, Recorder(), EchoBot(greeting_seconds=0.4), TwilioOptions(
                auth_token=TOKEN, gate=drain, refusal="proxy"))
            app = FastAPI()
            app.include_router(make_router(backend.bot, backend.recorder, backend.options))
            url = await stack.enter_async_context(serving(app))
            backends.append(backend)
            addresses.append(url.removeprefix("http://"))
        front = stack.enter_context(proxy.nginx(tmp_path / "nginx", addresses))
        yield Site(front, backends)


async def ring(url: str) -> httpx.Response:
    async with TwilioClient(url, TOKEN) as twilio:
        return await twilio.post(f"{url}/twilio/voice", twilio.call_params())


async def test_a_whole_call_runs_through_the_proxy(site: Site) -> None:
    async with TwilioClient(site.url, TOKEN) as twilio:
        report = await ScriptedCaller(twilio, quiet=0.3, reply_timeout=5).run([Keys("0")])
    assert report.replies[0].seconds > 0.3  # the greeting came back over the websocket
    assert report.marks_echoed >= 1
    assert report.ended_by == "bot"  # key 0 transferred: the bot closed the stream
    # (which TwiML the action URL gets depends on shared outcomes: test_processes.py)
    carried = [b for b in site.backends if report.call_sid in b.bot.calls]
    assert len(carried) == 1


async def test_new_calls_go_to_the_process_that_is_not_draining(site: Site) -> None:
    draining, taking = site.backends
    draining.drain.begin()
    answers = [await ring(site.url) for _ in range(6)]
    assert all(a.status_code == 200 and "<Connect" in a.text for a in answers), answers
    assert len(taking.recorder.ringing) == 6
    assert draining.recorder.ringing == []
    assert draining.drain.refused >= 1  # nginx did try it, and moved on


async def test_with_every_process_draining_the_caller_hears_busy(site: Site) -> None:
    for backend in site.backends:
        backend.drain.begin()
    answer = await ring(site.url)
    assert answer.status_code == 200
    assert ET.fromstring(answer.text).find("Reject").get("reason") == "busy"  # type: ignore[union-attr]


async def test_a_forged_webhook_is_still_refused_through_the_proxy(site: Site) -> None:
    async with httpx.AsyncClient() as http:
        forged = await http.post(f"{site.url}/twilio/voice", data={"CallSid": "CA1"})
        metrics = await http.get(f"{site.url}/metrics")
    assert forged.status_code == 403
    assert metrics.status_code == 404  # scraped per process, never through the proxy


async def test_media_streams_go_to_the_process_that_is_not_draining(site: Site) -> None:
    draining, taking = site.backends
    draining.drain.begin()
    for _ in range(4):  # four calls: each is streamed once (a second stream is refused)
        async with TwilioClient(site.url, TOKEN) as twilio:
            answer = await twilio.ring()  # taken by the process that is not draining
            # then Twilio's stream handshake, which nginx may send to either process
            stream = await twilio.open_stream(answer.stream_url, answer.parameters)
            await stream.send_stop()
            await stream.close()
    await asyncio.sleep(0.3)
    assert len(taking.bot.calls) == 4 and draining.bot.calls == []
    # nginx did offer the draining process some of them (least_conn ties alternate)
    assert draining.options.stats["refused-draining"] >= 1
