"""Recorded prompts on a real call: Twilio's side over loopback, the real service and voice.

The council's recordings are made here, at test time: the greeting said more slowly than the
bot says it (so the test can tell recording from synthesis), saved at 48 kHz in stereo 14 dB
quieter than the voice, with room noise around it; "Are you still there?" likewise, with the
question after it left to the voice. The caller must hear the recording, at the voice's level.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import yaml

from telephony.twilio.caller import ScriptedCaller, Silence
from telephony.twilio.client import TwilioClient
from tests.conftest import serving
from tests.voicebot.speech.recorded import studio_take
from voicebot.app import create_app
from voicebot.audio import pcm16_to_float
from voicebot.config import load_settings
from voicebot.speech.engines import SpeechEngines
from voicebot.speech.levels import speech_level
from voicebot.speech.recordings import BOOK_RATE, prepare, read_wav

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "e2e-token"
GREETING = ("Hello, you're through to Hartwell Borough Council's automated line. How can I "
            "help?")
STILL_THERE = "Are you still there?"


@dataclass
class Line:
    url: str
    engines: SpeechEngines
    greeting_file: Path
    still_there_file: Path


def record_prompts(folder: Path, engines: SpeechEngines) -> tuple[Path, Path]:
    """The flows, with the greeting and the start of the silence prompt recorded."""
    shutil.copytree(ROOT / "flows", folder)
    greeting = studio_take(engines, GREETING, folder / "recordings" / "en" / "greeting.wav",
                           length_scale=1.6)
    still = studio_take(engines, STILL_THERE,
                        folder / "recordings" / "en" / "still-there.wav", rate=44_100,
                        channels=1, gain_db=-20)
    main = folder / "main.yaml"
    spec = yaml.safe_load(main.read_text(encoding="utf-8"))
    spec["prompts"]["greeting"] = {"text": GREETING, "audio": "recordings/en/greeting.wav"}
    spec["prompts"]["silence"] = {"text": f"{STILL_THERE} {{question}}",
                                  "audio": "recordings/en/still-there.wav"}
    main.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return greeting, still


@pytest_asyncio.fixture(loop_scope="function")
async def line(tmp_path: Path, engines: SpeechEngines) -> AsyncIterator[Line]:
    greeting, still = record_prompts(tmp_path / "flows", engines)
    settings = load_settings(
        state_dir=tmp_path / "state", flows_dir=tmp_path / "flows",
        twilio={"auth_token": TOKEN}, api_token="api-secret",
        transfer_targets={"general": {"kind": "queue", "address": "council",
                                      "hours": "always"}})
    app = create_app(settings)
    async with serving(app) as url:
        yield Line(url, app.state.service.engines, greeting, still)


def level(pcm: bytes, rate: int = 8000) -> float:
    measured = speech_level(pcm16_to_float(pcm), rate)
    assert measured is not None
    return measured


@pytest.mark.slow
async def test_recorded_prompts_are_heard_at_the_voices_level(line: Line) -> None:
    async with TwilioClient(line.url, TOKEN) as client:
        caller = ScriptedCaller(client, quiet=1.2, reply_timeout=12, end_timeout=4)
        report = await caller.run([Silence(8.0)], hang_up=True)
    greeting, reprompt = report.replies[0], report.replies[1]

    # The caller heard the recording (trimmed of its lead-in), not the voice, which says the
    # greeting faster.
    recorded = prepare(line.greeting_file, line.engines.level("en"))
    synthesised = len(line.engines.render_at(GREETING, 8000)) / 16000
    assert recorded.samples.size / BOOK_RATE > synthesised + 0.8
    assert greeting.seconds == pytest.approx(recorded.samples.size / BOOK_RATE, abs=0.1)
    # ... and at the voice's level, although the file was far quieter.
    raw, rate = read_wav(line.greeting_file)
    target = line.engines.level("en")
    assert level(greeting.audio) == pytest.approx(target, abs=1.5)
    assert speech_level(raw, rate) < target - 10  # type: ignore[operator]
    # The reprompt is a recorded part, then the question in the voice. The part is at the
    # voice's level; the voice's own sentences spread by up to 2.5 dB about it (measured:
    # bench/prompt_levels.py), so the question is only held to that.
    part = prepare(line.still_there_file, target)
    part_bytes = 2 * round(part.samples.size / BOOK_RATE * 8000)
    assert reprompt.seconds > part_bytes / 16000 + 2.0
    assert level(reprompt.audio[:part_bytes]) == pytest.approx(target, abs=1.5)
    assert level(reprompt.audio[part_bytes:]) == pytest.approx(target, abs=3.0)

    async with httpx.AsyncClient() as http:
        call = (await http.get(f"{line.url}/api/calls/{report.call_sid}",
                               headers={"Authorization": "Bearer api-secret"})).json()
    said = [t["text"] for t in call["turns"] if t["who"] == "bot"]
    assert said[0] == GREETING  # the transcript keeps the words of a recorded prompt
    assert said[1].startswith(STILL_THERE + " I can help with bin collection days")
