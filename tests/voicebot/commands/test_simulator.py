"""``voicebot call`` against a served echo conversation: real Piper voice in, real Whisper out."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI

from telephony.twilio.routes import TwilioOptions, make_router
from tests.conftest import serving
from tests.telephony.twilio.handlers import EchoBot, Recorder
from voicebot.cli import build_parser
from voicebot.commands.simulator import describe_twiml, read_wav, simulate
from voicebot.config import Settings
from voicebot.errors import ConfigError


def _app(bot: EchoBot, token: str) -> FastAPI:
    app = FastAPI()
    app.include_router(make_router(bot, Recorder(), TwilioOptions(auth_token=token)))
    return app


@pytest.mark.slow
async def test_spoken_turn_is_echoed_and_transcribed(settings: Settings) -> None:
    bot = EchoBot(greeting_seconds=0.3)
    lines: list[str] = []
    async with serving(_app(bot, "test-token")) as url:
        args = build_parser().parse_args(
            ["call", url, "--say", "Hello there, my bins were not collected.", "--dtmf", "9",
             "--quiet", "0.6"])
        assert [kind for kind, _ in args.steps] == ["say", "dtmf"]
        assert await simulate(args, settings, lines.append) == 0
    output = "\n".join(lines)
    assert bot.digits == ["9"]
    spoken = next(line for line in lines if "said 'Hello there" in line)
    assert "bins" in spoken.lower() and "collected" in spoken.lower()  # Whisper heard the echo
    latency = float(spoken.split("latency")[1].split("s")[0])
    assert 0.1 < latency < 2.0
    assert "ended by the bot" in output and "outcome: hang up" in output


async def test_wav_and_keys_without_transcription(settings: Settings, tmp_path: Path) -> None:
    rate = 16_000
    tone = (np.sin(np.arange(int(0.5 * rate)) * 2 * np.pi * 250 / rate) * 12000).astype("<i2")
    stereo = np.stack([tone, tone], axis=1)
    path = tmp_path / "caller.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(stereo.tobytes())
    assert abs(len(read_wav(path)) / 2 / 8000 - 0.5) < 0.01

    bot = EchoBot(greeting_seconds=0.3)
    lines: list[str] = []
    async with serving(_app(bot, "test-token")) as url:
        args = build_parser().parse_args(
            ["call", url, "--wav", str(path), "--dtmf", "0", "--no-transcribe", "--quiet", "0.5"])
        assert await simulate(args, settings, lines.append) == 0
    assert bot.echoes == 1 and bot.digits == ["0"]
    assert any("played" in line and "(not transcribed)" in line for line in lines)
    assert "outcome: transfer to number +441130000000 with a whisper" in lines


async def test_a_wrong_token_is_explained(settings: Settings) -> None:
    async with serving(_app(EchoBot(), "the-real-token")) as url:
        args = build_parser().parse_args(["call", url, "--token", "wrong", "--no-transcribe"])
        with pytest.raises(ConfigError, match="refused the Twilio signature"):
            await simulate(args, settings, lambda line: None)


def test_bad_arguments_are_explained(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        read_wav(tmp_path / "missing.wav")
    assert describe_twiml("<Response><Enqueue>council</Enqueue></Response>") == (
        "enqueue on council")
