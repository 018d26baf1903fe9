"""Recognition as a service: a call whose speech is recognised by a real Wyoming server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from telephony.twilio.caller import ScriptedCaller, Speech
from telephony.twilio.client import TwilioClient
from tests.conftest import serving, unused_port
from tests.e2e.wyoming_server import wyoming_whisper
from tests.voicebot.speech.conftest import phone_line, silence, to_16k
from voicebot.app import create_app
from voicebot.config import load_settings
from voicebot.errors import RecognitionError
from voicebot.speech.base import Hints
from voicebot.speech.engines import SpeechEngines
from voicebot.speech.wyoming import WyomingRecognizer

TOKEN = "wyoming-token"


@pytest.fixture(scope="module")
def wyoming_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with wyoming_whisper(tmp_path_factory.mktemp("wyoming")) as uri:
        yield uri


@pytest.mark.slow
async def test_the_remote_recogniser_transcribes_an_utterance(
    wyoming_uri: str, engines: SpeechEngines
) -> None:
    recognizer = WyomingRecognizer(wyoming_uri)
    audio = to_16k(phone_line(engines, "I'd like to report a missed bin collection."))
    heard, quiet = await asyncio.gather(
        recognizer.transcribe(audio, Hints(phrases=("missed bin",))),
        recognizer.transcribe(to_16k(silence(0.05)), Hints()))
    # Not "missed bin": Whisper base often hears "misspin" here, and the stock server ignores
    # the bias words the in-process recogniser would have used (docs/operations.md).
    assert "report" in heard.text.lower() and "collection" in heard.text.lower(), heard
    assert heard.heard and heard.decode_seconds > 0
    assert not quiet.heard


async def test_an_unreachable_recogniser_is_a_recognition_error() -> None:
    recognizer = WyomingRecognizer(f"tcp://127.0.0.1:{unused_port()}", timeout=3)
    with pytest.raises(RecognitionError) as caught:
        await recognizer.transcribe(to_16k(silence(1.0)) + 0.1, Hints())
    assert caught.value.code == "asr-unreachable"


@pytest.mark.slow
async def test_a_call_through_the_remote_recogniser_is_understood(
    wyoming_uri: str, engines: SpeechEngines, tmp_path: Path
) -> None:
    settings = load_settings(
        state_dir=tmp_path, twilio={"auth_token": TOKEN}, models={"asr": wyoming_uri},
        transfer_targets={"general": {"kind": "queue", "address": "council", "hours": "always"}})
    app = create_app(settings)
    person = Speech(phone_line(engines, "Can I speak to a real person please?"), "person")
    async with serving(app) as url:
        async with httpx.AsyncClient() as http:
            health = (await http.get(f"{url}/healthz")).json()
        async with TwilioClient(url, TOKEN) as client:
            report = await ScriptedCaller(client, quiet=1.2, reply_timeout=20).run(
                [person], hang_up=False)
        call = app.state.service.records.get_call(report.call_sid)
    assert health["models"]["asr"] == wyoming_uri
    assert "<Enqueue" in report.outcome_twiml, report.outcome_twiml
    assert call["outcome"] == "transferred"
    said = [t["text"].lower() for t in call["turns"] if t["who"] == "caller"]
    assert any("person" in text for text in said), said
