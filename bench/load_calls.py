"""The calls `bench/latency.py` places: everyday requests in voices that are not the bot's own.

Each call is one script (a resident's errand, step by step) spoken by one caller voice:
espeak-ng accents at their own speeds and pitches, and real recordings from
``../shared/speech/real/`` for the short answers they hold ("no", "yes", "operator"). The bot's
own Piper voice is never a caller here. Audio goes through 8 kHz G.711 mu-law at about -20 dBFS,
as a phone line delivers it, and is made once into the git-ignored ``bench/.cache/``.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.callers import SHARED, VOICES, Voice, espeak_available, speak, trim
from bench.voices import phone
from telephony.twilio.caller import Keys, Speech
from voicebot.audio import pcm16_to_float, resample

RATE = 8000
LEVEL_DBFS = -20.0
CALLER_VOICES: list[Voice] = [v for v in VOICES if v.engine == "espeak"]
"""espeak-ng voices only: the bot's own voice (Piper joe) proves little about strangers."""
REAL = {"no": ["tflm_no_1s_16k.wav", "an4_an416_fjlp_b_16k.wav"],
        "yes": ["tflm_yes_1s_16k.wav", "an4_an442_mmxg_b_16k.wav"],
        "operator": ["engb_richard_ivr_operator_48k.wav"]}
"""Real people saying the short answers a script needs (a real one is used when present)."""


@dataclass(frozen=True)
class Step:
    """``say`` is spoken; ``keys`` pressed; ``real`` prefers a real recording of the words."""

    say: str = ""
    keys: str = ""
    real: str = ""


SCRIPTS: list[list[Step]] = [
    [Step("When is my bin collected?"), Step("L S 6, 2 Q T."), Step("21 Hawthorn Close."),
     Step("No, thank you.", real="no")],
    [Step("How much council tax do I owe?"), Step(keys="40019283"), Step("L S 6, 2 Q T."),
     Step("No thanks.", real="no")],
    [Step("How do I pay my council tax?"), Step("No, that's all.", real="no")],
    [Step("My recycling wasn't collected."), Step("M 14, 5 R N."), Step("Rose Cottage."),
     Step("Recycling."), Step("No.", real="no")],
    [Step("Can I speak to a person please?", real="operator")],
    [Step("Hello, can you tell me when my bins are collected?"), Step("L S 6, 2 Q T."),
     Step("Number 10."), Step("No.", real="no")],
]


def level(audio: np.ndarray, dbfs: float = LEVEL_DBFS) -> np.ndarray:
    """Scale to ``dbfs`` RMS over the loud part (callers differ; the line evens them out)."""
    rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) or 1e-9
    scaled: np.ndarray = np.clip(audio * (10 ** (dbfs / 20) / rms), -1.0, 1.0)
    return scaled.astype(np.float32)


def real_recording(words: str, index: int) -> np.ndarray | None:
    """A real person saying ``words`` (at 8 kHz), or None without ../shared/speech/real."""
    names = REAL.get(words, [])
    if not names:
        return None
    path = SHARED / "real" / names[index % len(names)]
    if not path.is_file():
        return None
    with wave.open(str(path)) as wav:
        rate, channels = wav.getframerate(), wav.getnchannels()
        audio = pcm16_to_float(wav.readframes(wav.getnframes()))[::channels]
    return trim(resample(audio, rate, RATE))


def caller_pcm(voice: Voice, step: Step, index: int) -> tuple[bytes, str]:
    """The step's audio as the line delivers it, and who said it."""
    audio = real_recording(step.real, index) if step.real else None
    if audio is not None:
        return phone(level(audio), RATE), f"real: {step.real}"
    return phone(level(trim(speak(voice, step.say))), RATE), f"{voice.name}: {step.say}"


def call_steps(call: int) -> tuple[list[Speech | Keys], str]:
    """Call number ``call``: its script and voice rotate, so concurrent calls differ."""
    if not espeak_available():
        raise SystemExit("espeak-ng is needed for the caller voices (scripts/setup installs it)")
    script = SCRIPTS[call % len(SCRIPTS)]
    voice = CALLER_VOICES[call % len(CALLER_VOICES)]
    steps: list[Speech | Keys] = []
    for step in script:
        if step.keys:
            steps.append(Keys(step.keys))
            continue
        steps.append(Speech(*caller_pcm(voice, step, call)))
    return steps, voice.name


def shared_present() -> bool:
    return Path(SHARED / "real").is_dir()
