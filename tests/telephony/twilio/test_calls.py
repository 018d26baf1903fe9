"""Whole calls over real sockets: the client plays Twilio against the routes on loopback."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio
from fastapi import FastAPI

from telephony.twilio.caller import CallerStep, CallReport, Keys, ScriptedCaller, Silence, Speech
from telephony.twilio.client import TwilioClient
from telephony.twilio.routes import TwilioOptions, make_router
from tests.conftest import serving
from tests.telephony.twilio.handlers import EchoBot, Recorder, rms, silence, tone

TOKEN = "test-auth-token"


@dataclass
class Service:
    url: str
    bot: EchoBot
    recorder: Recorder
    options: TwilioOptions


@pytest_asyncio.fixture(loop_scope="function")
async def service() -> AsyncIterator[Service]:
    bot, recorder = EchoBot(), Recorder()
    options = TwilioOptions(auth_token=TOKEN)
    app = FastAPI()
    app.include_router(make_router(bot, recorder, options))
    async with serving(app) as url:
        yield Service(url, bot, recorder, options)


async def place(url: str, steps: list[CallerStep], *, hang_up: bool = False, **client: str
                ) -> CallReport:
    async with TwilioClient(url, TOKEN, **client) as twilio:
        return await ScriptedCaller(twilio, quiet=0.4, reply_timeout=1.5).run(
            steps, hang_up=hang_up)


async def test_greeting_turn_keys_and_hang_up(service: Service) -> None:
    said = tone(0.6, 300) + silence(0.3)
    report = await place(service.url, [Speech(said, "hello"), Keys("5"), Keys("9")])

    greeting, answer, after_five, goodbye = report.replies
    assert greeting.after == "" and 0.35 <= greeting.seconds <= 0.5 and rms(greeting.audio) > 5000
    assert answer.after == "hello"
    assert 0.55 <= answer.seconds <= 0.75 and rms(answer.audio) > 5000
    assert answer.latency is not None and 0.15 < answer.latency < 1.0
    assert after_five.seconds == 0  # a key the bot only records
    assert 0.15 <= goodbye.seconds <= 0.3
    assert report.ended_by == "bot"
    assert service.bot.digits == ["5", "9"]
    assert report.marks_echoed >= 3  # greeting, echo-1, bye (and the close mark)
    assert ET.fromstring(report.outcome_twiml).find("Hangup") is not None
    assert service.recorder.ringing == [(report.call_sid, "+447700900123", "+441134960000")]
    assert service.recorder.dropped == []


async def test_transfer_dials_the_agent_with_a_whisper(service: Service) -> None:
    report = await place(service.url, [Keys("0")])

    dial = ET.fromstring(report.outcome_twiml).find("Dial")
    assert dial is not None and dial.get("answerOnBridge") == "true"
    assert dial.get("action", "").endswith("/twilio/dial-done")
    number = dial.find("Number")
    assert number is not None and number.text == "+441130000000"
    whisper_url = number.get("url", "")
    assert whisper_url.endswith(f"/twilio/whisper/{report.call_sid}")
    async with TwilioClient(service.url, TOKEN, call_sid=report.call_sid) as twilio:
        whisper = (await twilio.post(whisper_url, twilio.call_params())).text
        failed = await twilio.post(dial.get("action", ""),
                                   twilio.call_params(DialCallStatus="no-answer"))
    assert ET.fromstring(whisper).findtext("Play") == "https://example.org/whisper/1.wav"
    assert "nobody is free" in failed.text and "<Hangup" in failed.text


async def test_queue_transfer_carries_the_context_as_a_task(service: Service) -> None:
    report = await place(service.url, [Keys("*")])

    enqueue = ET.fromstring(report.outcome_twiml).find("Enqueue")
    assert enqueue is not None and enqueue.get("workflowSid") == "WW" + "0" * 32
    assert '"postcode": "LS1 1AA"' in enqueue.findtext("Task", "")
    assert '"reason": "bins"' in enqueue.findtext("Task", "")


async def test_caller_hangs_up(service: Service) -> None:
    report = await place(service.url, [Silence(0.2)], hang_up=True)

    assert report.ended_by == "caller"
    assert service.bot.stopped == {report.call_sid: "stop"}
    assert "<Hangup" in report.outcome_twiml
    assert service.recorder.dropped == []
