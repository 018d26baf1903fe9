"""Whole calls through the real service: Twilio's side over loopback, real speech models.

The caller speaks with the local Piper voice through 8 kHz mu-law, presses keys, stays silent
and talks over the bot; the assertions read what the bot said (transcribed back), the TwiML
the action URL returns, and the call record the API serves.
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from faster_whisper import WhisperModel

from telephony.twilio.caller import CallReport, Keys, ScriptedCaller, Silence, Speech
from telephony.twilio.client import TwilioClient
from tests.conftest import serving
from tests.voicebot.speech.conftest import phone_line
from voicebot.app import create_app
from voicebot.audio import pcm16_to_float, resample
from voicebot.config import load_settings
from voicebot.speech.engines import SpeechEngines

TOKEN = "e2e-token"
ALWAYS = {"kind": "queue", "address": "council", "hours": "always"}


@dataclass
class Service:
    url: str
    engines: SpeechEngines


@pytest_asyncio.fixture(loop_scope="function")
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    settings = load_settings(
        state_dir=tmp_path,
        twilio={"auth_token": TOKEN},
        api_token="api-secret",
        transfer_targets={
            "general": ALWAYS,
            "council_tax": {"kind": "number", "address": "+441134960001", "hours": "always"},
            "bins": ALWAYS,
        },
    )
    app = create_app(settings)
    async with serving(app) as url:
        yield Service(url, app.state.service.engines)


@pytest.fixture(scope="module")
def transcriber() -> WhisperModel:
    from voicebot.speech.provision import model_paths

    return WhisperModel(str(model_paths(load_settings()).whisper_dir), device="cpu",
                        compute_type="int8")


def heard(model: WhisperModel, pcm: bytes) -> str:
    if not pcm:
        return ""
    audio = resample(pcm16_to_float(pcm), 8000, 16000)
    segments, _ = model.transcribe(audio, language="en", beam_size=1)
    return " ".join(s.text for s in segments).lower()


async def place(service: Service, steps: list[object], hang_up: bool = False) -> CallReport:
    client = TwilioClient(service.url, TOKEN)
    async with client:
        caller = ScriptedCaller(client, quiet=1.2, reply_timeout=12, end_timeout=8)
        return await caller.run(steps, hang_up=hang_up)  # type: ignore[arg-type]


def say(service: Service, text: str) -> Speech:
    return Speech(phone_line(service.engines, text), label=text)


async def record(service: Service, sid: str) -> dict[str, object]:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{service.url}/api/calls/{sid}",
                                  headers={"Authorization": "Bearer api-secret"})
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


@pytest.mark.slow
async def test_a_council_tax_call_with_keypad_entry_is_handled_end_to_end(
    service: Service, transcriber: WhisperModel
) -> None:
    report = await place(service, [
        say(service, "How much council tax do I owe?"),
        Keys("40019283"),
        say(service, "L S 6, 2 Q T."),
        # "Yes" answers either "is the postcode L S 6, 2 Q T?" (when the bot was unsure of
        # what it heard) or "anything else?"; "goodbye" then ends the call from anywhere.
        say(service, "Yes."),
        say(service, "Goodbye."),
    ])
    turns = (await record(service, report.call_sid))["turns"]
    assert isinstance(turns, list)
    bot = " | ".join(str(t["text"]) for t in turns if t["who"] == "bot")
    # The caller really heard the bot: the greeting's audio transcribes back, every reply has audio.
    assert "council" in heard(transcriber, report.replies[0].audio), bot
    assert all(reply.seconds > 0.5 for reply in report.replies), bot
    assert re.search(r"account number.*postcode of the property.*balance is .* pounds.*Goodbye",
                     bot), bot
    assert all(r.latency is not None for r in report.replies[1:]), bot
    assert report.ended_by == "bot"
    assert ET.fromstring(report.outcome_twiml).find("Hangup") is not None
    await asyncio.sleep(0.5)
    call = await record(service, report.call_sid)
    assert call["outcome"] == "contained"
    turns = call["turns"]
    assert isinstance(turns, list)
    assert any(t["who"] == "caller" and "council tax" in str(t["text"]).lower() for t in turns)
    # Keyed digits are never kept as typed; the account shows as the validated slot value.
    assert any(t["who"] == "caller" and t["text"] == "[keypad] " + "\u2022" * 8
               and t["slots"] == {"account": "40019283"} for t in turns), turns
    assert call["slots"]["account"] == "40019283"


@pytest.mark.slow
async def test_asking_for_a_person_transfers_with_the_reason(
    service: Service, transcriber: WhisperModel
) -> None:
    report = await place(service, [say(service, "Can I speak to a real person please?")])
    call = await record(service, report.call_sid)
    bot = " | ".join(str(t["text"]) for t in call["turns"] if t["who"] == "bot")  # type: ignore[attr-defined]
    assert "put you through to our customer services team" in bot, bot
    assert report.replies[1].seconds > 2.0
    twiml = ET.fromstring(report.outcome_twiml)
    assert twiml.find("Enqueue") is not None or twiml.find("Dial") is not None
    await asyncio.sleep(0.5)
    call = await record(service, report.call_sid)
    assert call["outcome"] == "transferred"
    assert "agent" in str(call["transfer_reason"]).lower()


@pytest.mark.slow
async def test_talking_over_the_greeting_stops_it_and_is_answered(
    service: Service, transcriber: WhisperModel
) -> None:
    client = TwilioClient(service.url, TOKEN)
    speech = phone_line(service.engines, "When are my bins collected?")
    async with client:
        caller = ScriptedCaller(client, quiet=1.2, reply_timeout=12)
        # Speak 1.5 s into the greeting instead of waiting for it to end.
        report = await caller.run([Speech(speech)], barge_in_after=1.5)
    answer = report.replies[1]
    assert answer.cleared >= 1  # the service sent `clear` when the caller spoke
    call = await record(service, report.call_sid)
    turns = call["turns"]
    assert isinstance(turns, list)
    assert turns[0]["who"] == "bot" and turns[0]["interrupted"] is True, turns
    assert any("postcode of the property" in str(t["text"]) for t in turns[1:]), turns
    assert answer.seconds > 1.0


@pytest.mark.slow
async def test_silence_gets_a_reprompt(service: Service, transcriber: WhisperModel) -> None:
    report = await place(service, [Silence(9.0)], hang_up=True)
    assert report.replies[1].seconds > 1.0  # the reprompt was played
    call = await record(service, report.call_sid)
    assert any("Are you still there?" in str(t["text"]) for t in call["turns"]), call  # type: ignore[attr-defined]
