"""``voicebot call``: place a simulated Twilio call against a running service.

Plays Twilio's part over real sockets (``telephony.twilio.caller``): a signed webhook, the
media websocket, real-time 20 ms frames, marks echoed as audio plays, DTMF, hang-up, then the
``<Connect action>``. Caller turns are text (spoken by the local Piper voice), WAV files or
keys, in the order given. Afterwards each bot reply is transcribed with the local Whisper model
(after the call, so transcription never competes with the service for CPU during it) and
printed with its response latency.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import wave
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voicebot.audio import float_to_pcm16, pcm16_to_float, resample
from voicebot.config import Settings, load_settings
from voicebot.errors import ConfigError, VoicebotError

CALL_RATE = 8000


class _Step(argparse.Action):
    """Keeps ``--say``/``--wav``/``--dtmf``/``--silence`` in the order they were given."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        steps = list(getattr(namespace, "steps", None) or [])
        steps.append((self.const, values))
        namespace.steps = steps


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``voicebot call`` to the command line."""
    call = commands.add_parser(
        "call", help="place a simulated Twilio call against a running service",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    call.add_argument("url", nargs="?", help="the service (default: http://HOST:PORT from config)")
    call.add_argument("--token", help="Twilio auth token (default: config or TWILIO_AUTH_TOKEN)")
    call.add_argument("--say", action=_Step, const="say", metavar="TEXT",
                      help="the caller says TEXT (local Piper voice)")
    call.add_argument("--wav", action=_Step, const="wav", metavar="FILE",
                      help="the caller says what is in a 16-bit WAV file")
    call.add_argument("--dtmf", action=_Step, const="dtmf", metavar="DIGITS",
                      help="the caller presses keys (0-9, *, #)")
    call.add_argument("--silence", action=_Step, const="silence", metavar="SECONDS",
                      help="the caller stays silent")
    call.add_argument("--hangup", action="store_true",
                      help="hang up after the last turn (default: wait for the bot to end)")
    call.add_argument("--from", dest="from_number", default="+447700900123")
    call.add_argument("--to", dest="to_number", default="+441134960000")
    call.add_argument("--public-url", help="the URL Twilio is configured with, if not URL")
    call.add_argument("--quiet", type=float, default=1.5,
                      help="seconds of bot silence that end its reply (default 1.5)")
    call.add_argument("--reply-timeout", type=float, default=20.0)
    call.add_argument("--no-transcribe", action="store_true", help="skip Whisper")
    call.set_defaults(run=run_call_command, steps=[])


def run_call_command(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    return asyncio.run(simulate(args, settings))


async def simulate(args: argparse.Namespace, settings: Settings,
                   echo: Callable[[str], None] = print) -> int:
    """Run the call described by ``args``; print the replies and the outcome."""
    import httpx
    from websockets.exceptions import WebSocketException

    from telephony.twilio.caller import CallerStep, Keys, ScriptedCaller, Silence, Speech
    from telephony.twilio.client import TwilioClient

    steps: list[CallerStep] = []
    speak = _Speaker(settings)
    for kind, value in args.steps:
        if kind == "say":
            steps.append(Speech(await asyncio.to_thread(speak, value), f"said {value!r}"))
        elif kind == "wav":
            steps.append(Speech(read_wav(Path(value)), f"played {value}"))
        elif kind == "dtmf":
            steps.append(Keys(_digits(value)))
        else:
            steps.append(Silence(_seconds(value)))
    url = args.url or f"http://{settings.host}:{settings.port}"
    token = args.token or settings.twilio_token or os.environ.get("TWILIO_AUTH_TOKEN")
    if not token:
        echo("warning: no Twilio auth token: requests go unsigned (the service will refuse "
             "them unless its signature checks are off)")
    async with TwilioClient(url, token, from_number=args.from_number, to_number=args.to_number,
                            public_url=args.public_url) as twilio:
        echo(f"calling {url} as {twilio.call_sid} from {args.from_number}")
        try:
            report = await ScriptedCaller(twilio, quiet=args.quiet,
                                          reply_timeout=args.reply_timeout).run(
                steps, hang_up=args.hangup)
        except (httpx.HTTPError, WebSocketException, OSError, ValueError) as err:
            raise ConfigError("call-failed", _explain(err, url)) from err
    transcribe = None if args.no_transcribe else _Transcriber(settings)
    for reply in report.replies:
        text = "(silence)" if not reply.audio else "(not transcribed)"
        if reply.audio and transcribe is not None:
            text = repr(await asyncio.to_thread(transcribe, reply.audio))
        latency = f"{reply.latency:.2f} s" if reply.latency is not None else "-"
        echo(f"{reply.after or 'greeting':>24} | latency {latency:>7} | "
             f"{reply.seconds:4.1f} s audio | bot: {text}")
    echo(f"call ended by the {report.ended_by}; {report.marks_echoed} marks played")
    echo(f"outcome: {describe_twiml(report.outcome_twiml)}")
    echo(report.outcome_twiml)
    return 0


def describe_twiml(twiml: str) -> str:
    """One line for the action URL's TwiML: hang up, dial whom, or enqueue where."""
    root = ET.fromstring(twiml)
    if (dial := root.find("Dial")) is not None and len(dial):
        target = dial[0]
        whisper = " with a whisper" if target.get("url") else ""
        return f"transfer to {target.tag.lower()} {target.text}{whisper}"
    if (enqueue := root.find("Enqueue")) is not None:
        return f"enqueue on {enqueue.get('workflowSid') or enqueue.text}"
    return "hang up" if root.find("Hangup") is not None else "continue: " + twiml


def read_wav(path: Path) -> bytes:
    """A 16-bit PCM WAV file, mixed to mono and resampled to the call's 8 kHz."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise ConfigError("wav-format", f"{path}: only 16-bit PCM WAV files are supported")
            rate, channels = wav.getframerate(), wav.getnchannels()
            raw = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as err:
        raise ConfigError("wav-unreadable", f"cannot read {path}: {err}") from err
    samples = pcm16_to_float(raw).reshape(-1, channels).mean(axis=1)
    return float_to_pcm16(resample(samples, rate, CALL_RATE))


def _digits(value: str) -> str:
    if not value or any(d not in "0123456789*#" for d in value):
        raise ConfigError("bad-dtmf", f"--dtmf takes keys 0-9, * and #, not {value!r}")
    return value


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 60:
        raise ConfigError("bad-silence", f"--silence takes 0-60 seconds, not {value!r}")
    return seconds


def _explain(err: Exception, url: str) -> str:
    import httpx
    from websockets.exceptions import InvalidStatus

    refused = (isinstance(err, httpx.HTTPStatusError | InvalidStatus)
               and err.response.status_code == 403)
    if refused:
        return f"{url} refused the Twilio signature: check --token / TWILIO_AUTH_TOKEN"
    if isinstance(err, httpx.ConnectError | OSError):
        return f"cannot reach {url}: is `voicebot serve` running? ({err})"
    return f"{type(err).__name__}: {err}"


class _Speaker:
    """Text to caller audio with the local Piper voice, loaded on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._voice: Any = None

    def __call__(self, text: str) -> bytes:
        if self._voice is None:
            from piper import PiperVoice

            from voicebot.speech.provision import model_paths

            self._voice = PiperVoice.load(model_paths(self._settings).piper_voice)
        rate = int(self._voice.config.sample_rate)
        pcm = b"".join(chunk.audio_int16_bytes for chunk in self._voice.synthesize(text))
        if not pcm:
            raise VoicebotError("tts-empty", f"Piper produced no audio for {text!r}")
        return float_to_pcm16(resample(pcm16_to_float(pcm), rate, CALL_RATE))


class _Transcriber:
    """Bot audio to text with the local Whisper model (CPU, int8), loaded on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._model: Any = None

    def __call__(self, pcm: bytes) -> str:
        if self._model is None:
            from faster_whisper import WhisperModel

            from voicebot.speech.provision import model_paths

            self._model = WhisperModel(str(model_paths(self._settings).whisper_dir),
                                       device="cpu", compute_type="int8", cpu_threads=2)
        audio = resample(pcm16_to_float(pcm), CALL_RATE, 16_000)
        segments, _ = self._model.transcribe(np.asarray(audio, dtype=np.float32),
                                             language="en", beam_size=1, vad_filter=False)
        return " ".join(segment.text.strip() for segment in segments).strip()
