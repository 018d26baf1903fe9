"""Transfer targets, opening hours in the council's time zone, and the agent's spoken whisper."""

from __future__ import annotations

import asyncio
import io
import json
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from telephony.call import TransferTarget
from tests.conftest import serving
from voicebot.config import Settings, load_settings
from voicebot.errors import ConfigError
from voicebot.flows.actions import Handover
from voicebot.handoff import Handoff, synthesize_with
from voicebot.handoff.hours import OpeningHours
from voicebot.speech.provision import model_paths
from voicebot.web.whisper import make_whisper_router

TARGETS = {
    "council_tax": {"kind": "queue", "address": "WW0123456789abcdef0123456789abcdef",
                    "hours": "Mon-Fri 09:00-17:00"},
    "bins": {"kind": "number", "address": "+441130000001",
             "hours": "Mon-Fri 08:00-18:00; Sat 09:00-12:00"},
    "general": {"kind": "sip", "address": "sip:desk@pbx.example.gov.uk", "hours": "always"},
}


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"state_dir": tmp_path, "transfer_targets": TARGETS,
                              "timezone": "Europe/London",
                              "public_url": "https://bot.example.gov.uk"}
    values.update(overrides)
    return load_settings(**values)


def at(*when: int) -> Callable[[], datetime]:
    """A clock stopped at a UTC time."""
    year, month, day, hour, minute = when
    stopped = datetime(year, month, day, hour, minute, tzinfo=UTC)
    return lambda: stopped


# -- opening hours --

@pytest.mark.parametrize(("when", "team", "message"), [
    ((2024, 1, 8, 10, 0), "council_tax", None),  # Monday 10:00 GMT
    ((2024, 1, 8, 17, 0), "council_tax",
     "Our council tax team is open Monday to Friday, 9am to 5pm. "
     "It opens again tomorrow at 9am."),
    ((2024, 1, 8, 8, 59), "council_tax",
     "Our council tax team is open Monday to Friday, 9am to 5pm. "
     "It opens again today at 9am."),
    ((2024, 1, 12, 18, 0), "council_tax",  # Friday evening
     "Our council tax team is open Monday to Friday, 9am to 5pm. "
     "It opens again on Monday at 9am."),
    ((2024, 1, 13, 11, 0), "bins", None),  # Saturday morning
    ((2024, 1, 13, 12, 30), "bins",
     "Our bins team is open Monday to Friday, 8am to 6pm, and Saturday, 9am to midday. "
     "It opens again on Monday at 8am."),
    ((2024, 1, 14, 3, 0), "general", None),  # "always"
    ((2024, 7, 8, 8, 30), "council_tax", None),  # 09:30 British Summer Time
    ((2024, 7, 8, 16, 30), "council_tax",
     "Our council tax team is open Monday to Friday, 9am to 5pm. "
     "It opens again tomorrow at 9am."),  # 17:30 BST
])
def test_closed_message(tmp_path: Path, when: tuple[int, ...], team: str,
                        message: str | None) -> None:
    handoff = Handoff(make_settings(tmp_path), now=at(*when))
    assert handoff.closed_message(team) == message


def test_unknown_teams_use_the_general_line(tmp_path: Path) -> None:
    handoff = Handoff(make_settings(tmp_path), now=at(2024, 1, 14, 3, 0))
    assert handoff.closed_message("planning") is None
    assert handoff.team("planning").target == TransferTarget("sip", "sip:desk@pbx.example.gov.uk")


@pytest.mark.parametrize(("hours", "complaint"), [
    ("Mon-Fri 9-5", "'9-5' is not a time range like 09:00-17:00"),
    ("Mon-Fry 09:00-17:00", "'Fry' is not a day"),
    ("Mon-Fri 09:00-25:00", "impossible time"),
    ("Mon-Fri", "should be days then times"),
    ("", "no opening times given"),
    ("Mon 09:00-09:00", "opens and closes at the same time"),
])
def test_bad_hours_stop_start_up_with_a_clear_message(tmp_path: Path, hours: str,
                                                      complaint: str) -> None:
    targets = {**TARGETS, "bins": {**TARGETS["bins"], "hours": hours}}
    with pytest.raises(ConfigError) as caught:
        Handoff(make_settings(tmp_path, transfer_targets=targets))
    assert caught.value.code == "bad-opening-hours"
    assert "transfer_targets.bins.hours" in caught.value.message
    assert complaint in caught.value.message
    assert "Mon-Fri 09:00-17:00" in caught.value.message  # says how to write it


def test_bad_time_zone_and_empty_targets_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Europe/London"):
        Handoff(make_settings(tmp_path, timezone="Mars/Olympus"))
    with pytest.raises(ConfigError, match="general"):
        Handoff(make_settings(tmp_path, transfer_targets={}))


def test_hours_grammar() -> None:
    split = OpeningHours.parse("mon, wed 09:00-12:30,13:30-17:00; Sun-Mon 22:00-02:00")
    assert split.describe() == (
        "Monday, 9am to 12:30pm and 1:30pm to 5pm and 10pm to 2am, "
        "Wednesday, 9am to 12:30pm and 1:30pm to 5pm, and Sunday, 10pm to 2am")
    monday = datetime(2024, 1, 8)
    assert split.is_open(monday.replace(hour=1))  # Sunday 22:00-02:00 runs into Monday
    assert not split.is_open(monday.replace(hour=12, minute=45))  # lunch
    assert split.is_open(monday.replace(hour=13, minute=30))
    assert not split.is_open(monday.replace(day=9, hour=10))  # Tuesday
    assert split.next_opening(monday.replace(hour=12, minute=45)) == monday.replace(
        hour=13, minute=30)
    assert OpeningHours.parse("never").next_opening(monday) is None
    assert OpeningHours.parse("Daily 00:00-24:00").is_open(monday.replace(hour=23, minute=59))


def test_never_open_says_so(tmp_path: Path) -> None:
    targets = {**TARGETS, "bins": {**TARGETS["bins"], "hours": "never"}}
    handoff = Handoff(make_settings(tmp_path, transfer_targets=targets))
    assert handoff.closed_message("bins") == (
        "Our bins team is not taking calls on this line at the moment.")


# -- the outcome --

async def test_outcome_carries_target_reason_and_context(tmp_path: Path) -> None:
    handoff = Handoff(make_settings(tmp_path))
    handover = Handover("council_tax", "moving home",
                        "Council tax enquiry, account verified, caller is moving home")
    transcript = [{"who": "bot", "text": "How can I help?"},
                  {"who": "caller", "text": "I'm moving, card 4111 1111 1111 1111"}]
    outcome = await handoff.outcome("CA1", handover, True, {"account": "12345678"}, transcript)
    assert outcome.kind == "transfer"
    assert outcome.reason == "moving home"
    assert outcome.target == TransferTarget("queue", TARGETS["council_tax"]["address"])
    assert outcome.whisper_url is None  # no synthesiser injected
    context = json.loads(json.dumps(outcome.context))
    assert context["team"] == "council_tax" and context["verified"] is True
    assert context["slots"] == {"account": "12345678"}
    assert context["transcript"][1] == {"who": "caller",
                                        "text": "I'm moving, card [redacted number]"}
    assert context["desktop_url"] == "https://bot.example.gov.uk/desktop/#call=CA1"


async def test_for_call_reads_the_dialogue_and_transcript(tmp_path: Path) -> None:
    class Dialogue:
        verified = False
        slots: ClassVar[dict[str, str]] = {"postcode": "LS6 2QT"}

    async def transcripts(sid: str) -> list[dict[str, Any]]:
        return [{"who": "caller", "text": f"transcript of {sid}"}]

    handoff = Handoff(make_settings(tmp_path), transcripts=transcripts)
    hand_over = handoff.for_call("CA9")
    outcome = await hand_over(Handover("bins", "missed bin", ""), Dialogue())
    assert outcome.target == TransferTarget("number", "+441130000001")
    assert outcome.context["transcript"] == [{"who": "caller", "text": "transcript of CA9"}]
    assert outcome.context["whisper"] == "Bins enquiry, caller not verified, missed bin"


# -- the whisper, with the real Piper voice and Whisper to listen to it --

class PiperSentences:
    """The real Piper voice behind the speech engines' ``Synthesizer`` protocol."""

    def __init__(self) -> None:
        from piper import PiperVoice

        self.voice = PiperVoice.load(str(model_paths(load_settings()).piper_voice))
        self.sample_rate = int(self.voice.config.sample_rate)

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        chunks = await asyncio.to_thread(lambda: list(self.voice.synthesize(text)))
        for chunk in chunks:
            yield chunk.audio_int16_bytes


@pytest.fixture(scope="module")
def piper_synthesize() -> Callable[[str], Awaitable[tuple[bytes, int]]]:
    return synthesize_with(PiperSentences())


@pytest.mark.slow
async def test_whisper_is_served_and_says_the_summary(
    tmp_path: Path, piper_synthesize: Callable[[str], Awaitable[tuple[bytes, int]]]
) -> None:
    settings = make_settings(tmp_path, public_url=None)
    handoff = Handoff(settings, synthesize=piper_synthesize)
    outcome = await handoff.outcome(
        "CA1", Handover("council_tax", "moving home",
                        "Council tax enquiry, account verified, caller is moving home"),
        True, {})
    assert outcome.whisper_url is not None
    assert outcome.whisper_url.startswith("/twilio/whisper-audio/")
    assert outcome.whisper_url.endswith(".wav")
    app = FastAPI()
    app.include_router(make_whisper_router(handoff))
    async with serving(app) as base, httpx.AsyncClient(base_url=base, trust_env=False) as http:
        response = await http.get(outcome.whisper_url, timeout=60)
        missing = await http.get("/twilio/whisper-audio/not-a-token.wav")
    assert missing.status_code == 404
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(response.content)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    assert 1.5 < len(pcm) / 8000 < 10
    assert np.sqrt(np.mean((pcm / 32768.0) ** 2)) > 0.02  # speech, not silence

    from faster_whisper import WhisperModel

    model = WhisperModel(str(model_paths(settings).whisper_dir), device="cpu",
                         compute_type="int8", cpu_threads=2)
    segments, _ = model.transcribe(_to_16k(pcm), language="en", beam_size=1)
    heard = " ".join(s.text for s in segments).lower()
    for words in ("council tax", "verified", "moving home"):
        assert words in heard, heard


def _to_16k(pcm: np.ndarray) -> np.ndarray:
    from voicebot.audio import resample

    return resample(pcm.astype(np.float32) / 32768.0, 8000, 16000)
