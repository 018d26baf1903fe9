"""Local voices for benchmarks: Piper at several speeds, and espeak-ng accents if installed.

Everything is passed through 8 kHz mu-law, as a phone line would deliver it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

from telephony.codec import pcm16_to_ulaw, ulaw_to_pcm16
from voicebot.audio import float_to_pcm16, pcm16_to_float, resample
from voicebot.config import load_settings
from voicebot.speech.provision import model_paths

Voice = Callable[[str], bytes]
"""Text -> PCM16 at 8 kHz after mu-law."""


def phone(samples: np.ndarray, rate: int) -> bytes:
    narrow = resample(samples.astype(np.float32), rate, 8000)
    return ulaw_to_pcm16(pcm16_to_ulaw(float_to_pcm16(narrow)))


def piper_voices() -> dict[str, Voice]:
    from piper import PiperVoice, SynthesisConfig

    voice = PiperVoice.load(str(model_paths(load_settings()).piper_voice))
    rate = voice.config.sample_rate

    def speaker(length_scale: float, noise: float) -> Voice:
        config = SynthesisConfig(length_scale=length_scale, noise_scale=noise)

        def say(text: str) -> bytes:
            raw = b"".join(c.audio_int16_bytes for c in voice.synthesize(text, syn_config=config))
            return phone(pcm16_to_float(raw), rate)

        return say

    return {"piper-joe": speaker(1.0, 0.667), "piper-joe-slow": speaker(1.25, 0.8),
            "piper-joe-fast": speaker(0.85, 0.5)}


def espeak_voices() -> dict[str, Voice]:
    if shutil.which("espeak-ng") is None:
        return {}

    def speaker(name: str) -> Voice:
        def say(text: str) -> bytes:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "x.wav"
                subprocess.run(["espeak-ng", "-v", name, "-s", "150", "-w", str(path), text],
                               check=True, capture_output=True)
                with wave.open(str(path)) as wav:
                    rate = wav.getframerate()
                    pcm = wav.readframes(wav.getnframes())
            return phone(pcm16_to_float(pcm), rate)

        return say

    return {f"espeak-{n}": speaker(n) for n in ("en-gb", "en-gb-scotland", "en-gb-x-rp")}


def all_voices() -> dict[str, Voice]:
    return {**piper_voices(), **espeak_voices()}
