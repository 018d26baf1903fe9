"""A draining process's voice webhook: busy, 503 for the proxy, or a redirect to a sibling."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi import FastAPI

from telephony.twilio.client import TwilioClient
from telephony.twilio.routes import TwilioOptions, make_router
from tests.conftest import serving
from tests.telephony.twilio.handlers import EchoBot, Recorder
from voicebot.operations.drain import Drain

TOKEN = "test-auth-token"


@pytest.mark.parametrize(("refusal", "status", "verb"), [
    ("busy", 200, "Reject"),
    ("proxy", 503, None),
    ("https://standby.example.gov.uk/twilio/voice", 200, "Redirect"),
])
async def test_a_draining_process_refuses_new_calls(refusal: str, status: int,
                                                    verb: str | None) -> None:
    drain, recorder = Drain(limit=1.0, linger=0.0), Recorder()
    options = TwilioOptions(auth_token=TOKEN, gate=drain, refusal=refusal)
    app = FastAPI()
    app.include_router(make_router(EchoBot(greeting_seconds=0.5), recorder, options))
    async with serving(app) as url, TwilioClient(url, TOKEN) as twilio:
        drain.begin()
        response = await twilio.post(f"{url}/twilio/voice", twilio.call_params())
    assert response.status_code == status
    assert recorder.ringing == []  # a sibling (or nobody) takes the call: no record here
    assert options.stats["refused-draining"] == 1
    if verb == "Reject":
        assert ET.fromstring(response.text).find("Reject").get("reason") == "busy"  # type: ignore[union-attr]
    elif verb == "Redirect":
        redirect = ET.fromstring(response.text).find("Redirect")
        assert redirect is not None and redirect.text == refusal
        assert redirect.get("method") == "POST"
    else:
        assert response.headers["retry-after"] == "0"


async def test_a_call_taken_before_the_drain_is_carried_and_its_action_answered() -> None:
    drain = Drain(limit=5.0, linger=5.0)
    options = TwilioOptions(auth_token=TOKEN, gate=drain)
    app = FastAPI()
    app.include_router(make_router(EchoBot(greeting_seconds=0.5), Recorder(), options))
    async with serving(app) as url, TwilioClient(url, TOKEN) as twilio:
        answer = await twilio.ring()
        drain.begin()  # between the webhook and the media stream
        stream = await twilio.open_stream(answer.stream_url, answer.parameters)
        greeting = await stream.socket.recv()  # the call is carried: the bot speaks
        await stream.send_stop()
        await stream.close()
        twiml = await twilio.after(answer.action_url)
    assert '"event": "media"' in str(greeting) or '"event":"media"' in str(greeting)
    assert ET.fromstring(twiml).find("Hangup") is not None

