"""The browser phone as a test bench: real Chromium, a fake microphone playing a stranger's voice
(espeak-ng, not the bot's Piper voice), the real service with its real models. The page's
transcript must show the words of the WAV, what the bot understood and said, each reply's
latency, and after the call a link to the call's record."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import wave
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.conftest import serving
from tests.telephony.browser.test_phone import CHROMIUM, chromium, evaluate, page_until
from voicebot.app import create_app
from voicebot.audio import pcm16_to_float, resample
from voicebot.config import load_settings

ESPEAK = shutil.which("espeak-ng")
WORDS = "I would like to pay my council tax."
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed"),
    pytest.mark.skipif(ESPEAK is None, reason="espeak-ng not installed"),
]


def stranger_wav(path: Path) -> Path:
    """2.5 s of quiet, espeak-ng's RP voice saying ``WORDS``, then a minute of quiet (16 kHz)."""
    spoken = path.with_suffix(".espeak.wav")
    subprocess.run([str(ESPEAK), "-v", "en-gb-x-rp", "-s", "140", "-w", str(spoken), WORDS],
                   check=True)
    with wave.open(str(spoken)) as source:
        rate, pcm = source.getframerate(), source.readframes(source.getnframes())
    speech = resample(pcm16_to_float(pcm), rate, 16_000)
    quiet = np.zeros(16_000, dtype=np.float32)
    audio = np.concatenate([quiet, quiet, quiet[:8000], speech, *[quiet] * 60])
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def entries(kind: str) -> str:
    return (f"[...document.querySelectorAll('#transcript li[data-kind=\"{kind}\"]')]"
            ".map((li) => li.textContent)")


async def test_the_transcript_shows_what_the_bot_heard_understood_and_said(
        tmp_path: Path) -> None:
    settings = load_settings(state_dir=tmp_path / "state",
                             transfer_targets={"general": {"hours": "always"}})
    app = create_app(settings)
    wav = stranger_wav(tmp_path / "caller.wav")
    async with serving(app) as base, chromium(f"{base}/phone/?autostart=1", wav,
                                              tmp_path / "profile") as page:
        callers = await page_until(page, f"{entries('caller')}.filter((t) => /pay/i.test(t))"
                                   ".length && " + entries("caller"), 150)
        heard = re.sub(r"[^a-z ]", "", callers[-1].lower())
        assert "i would like to pay my council tax" in heard, callers
        assert "confidence 0." in callers[-1]
        understood = await page_until(page, f"{entries('understood')}.length && "
                                      + entries("understood"), 30)
        assert any(line.startswith("intent ") and "score" in line for line in understood)
        replies = await page_until(page, f"{entries('bot')}.filter((t) => /reply after/"
                                   ".test(t)).length && " + entries("bot"), 60)
        assert re.search(r"pay|direct debit|online", " ".join(replies), re.I), replies
        latency = await evaluate(page, "document.getElementById('latency-last').textContent")
        assert re.fullmatch(r"\d+\.\d\d s", latency) and 0 < float(latency[:-2]) < 30
        notes = await evaluate(page, entries("note"))
        assert any("barge-in" in note for note in notes), notes  # it spoke over the greeting

        await evaluate(page, "document.getElementById('hangup').click()")
        link = await page_until(page, "!document.getElementById('record').hidden && "
                                "document.getElementById('record-link').href", 20)
        sid = await evaluate(page, "window.phone.callSid")
        assert link == f"{base}/api/calls/{sid}" and sid.startswith("BR")
        async with httpx.AsyncClient(trust_env=False) as http:
            record = (await http.get(link)).json()
    said = [turn["text"] for turn in record["turns"] if turn["who"] == "caller"]
    assert any("pay my council tax" in text.lower() for text in said), json.dumps(record)
