"""Recordings made at test time: a voice that is not the bot's level, rate or channel count.

Nothing is committed: each test writes its WAV files into its own temporary directory, from
Piper's speech transformed as a council's studio file would differ (48 kHz stereo, quieter,
silence around the words), so loading really converts and normalises.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from voicebot.audio import pcm16_to_float, resample
from voicebot.speech.engines import SpeechEngines


def write_wav(path: Path, samples: np.ndarray, rate: int, channels: int = 1,
              width: int = 2) -> Path:
    """Float samples in [-1, 1] as a PCM WAV file (``width`` bytes per sample)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scaled = np.clip(samples, -1.0, 1.0)
    interleaved = np.repeat(scaled, channels)
    if width == 2:
        data = (interleaved * 32767).astype("<i2").tobytes()
    elif width == 3:
        ints = (interleaved * (2**23 - 1)).astype("<i4")
        data = b"".join(int(v).to_bytes(4, "little", signed=True)[:3] for v in ints)
    else:
        raise ValueError(width)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(data)
    return path


def studio_take(engines: SpeechEngines, text: str, path: Path, *, rate: int = 48_000,
                gain_db: float = -14.0, channels: int = 2, width: int = 2,
                lead: float = 0.6, length_scale: float = 1.0) -> Path:
    """``text`` said by the packaged voice, as a recording: another rate, level and layout,
    with ``lead`` seconds of room noise before and after the words; ``length_scale`` above 1
    says it more slowly than the bot would (so a test can tell the two apart)."""
    from piper import SynthesisConfig

    voice = engines.synthesizer
    config = SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
    speech = pcm16_to_float(b"".join(
        chunk.audio_int16_bytes for chunk in voice.voice.synthesize(text, syn_config=config)))
    converted = resample(speech, voice.sample_rate, rate) * 10 ** (gain_db / 20)
    room = np.random.default_rng(7).standard_normal(int(lead * rate)) * 10 ** (-70 / 20)
    take = np.concatenate([room, converted, room]).astype(np.float32)
    return write_wav(path, take, rate, channels, width)
