"""What a phone line does to a caller: band, level, noise, silence before they speak, G.711
mu-law at 8 kHz (always), and 20 ms frames that never arrive.

``Condition`` names one line; ``on_the_line`` turns a clean utterance into the 20 ms PCM16
frames a carrier would deliver, and says where the speech is in them.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from telephony.codec import pcm16_to_ulaw, ulaw_to_pcm16
from voicebot.audio import float_to_pcm16

RATE = 8000
FRAME = 160
"""Samples in one 20 ms carrier frame at 8 kHz."""
HISS_DBFS = -66.0
"""Background of every line: comfort-noise-like hiss, so no line is digital zero."""


@dataclass(frozen=True)
class Condition:
    name: str
    lead: float = 1.0
    """Seconds of line before the caller speaks (greeting, listening, a reprompt)."""
    level_dbfs: float = -20.0
    """Active speech level."""
    noise: str = "hiss"
    """``hiss`` (the quiet background), ``comfort`` (shaped noise) or ``white``."""
    snr_db: float | None = None
    loss: float = 0.0
    """Fraction of 20 ms frames lost."""
    after_turn: bool = False
    """The caller has already said something and waited 8 s (heard after a reprompt)."""


CONDITIONS: list[Condition] = [
    Condition("lead-0.2s", lead=0.2),
    Condition("lead-3s", lead=3.0),
    Condition("lead-10s", lead=10.0),
    Condition("lead-30s", lead=30.0),
    Condition("level-6dB", level_dbfs=-6.0),
    Condition("level-35dB", level_dbfs=-35.0),
    Condition("comfort-30dB", noise="comfort", snr_db=30.0, lead=3.0),
    Condition("comfort-15dB", noise="comfort", snr_db=15.0, lead=3.0),
    Condition("white-30dB", noise="white", snr_db=30.0, lead=3.0),
    Condition("white-15dB", noise="white", snr_db=15.0, lead=3.0),
    Condition("loss-1%", loss=0.01, lead=3.0),
    Condition("loss-3%", loss=0.03, lead=3.0),
    Condition("after-turn", after_turn=True),
]
BY_NAME = {c.name: c for c in CONDITIONS}
TRAIL = 3.0
"""Seconds of line after the caller stops: room for the longest end-of-turn pause."""


@dataclass(frozen=True)
class OnTheLine:
    frames: list[bytes | None]
    """20 ms PCM16 frames in arrival order; None where a frame was lost."""
    speech_on: float
    speech_off: float
    listen_from: float = 0.0
    """Turns starting before this belong to an earlier utterance (``after_turn``)."""


def on_the_line(speech: np.ndarray, condition: Condition, seed: str,
                before: np.ndarray | None = None) -> OnTheLine:
    """``speech`` (clean float at 8 kHz) as a caller's line delivers it under ``condition``.

    ``before`` is an earlier utterance said 8 s before, for ``after_turn``.
    """
    rng = np.random.default_rng(zlib.crc32(f"{seed}|{condition.name}".encode()))
    voice = at_level(band(speech), condition.level_dbfs)
    parts, offset = [], 0.0
    listen_from = 0.0
    if condition.after_turn and before is not None:
        earlier = at_level(band(before), condition.level_dbfs)
        parts += [_silence(0.5), earlier, _silence(8.0)]
        listen_from = 0.5 + earlier.size / RATE + 1.5
    parts.append(_silence(condition.lead))
    offset = sum(p.size for p in parts) / RATE
    parts += [voice, _silence(TRAIL)]
    line = np.concatenate(parts)
    line += background(line.size, condition, active_rms(voice), rng)
    pcm = ulaw_to_pcm16(pcm16_to_ulaw(float_to_pcm16(np.clip(line, -1.0, 1.0))))
    frames: list[bytes | None] = [pcm[i : i + 2 * FRAME] for i in range(0, len(pcm), 2 * FRAME)]
    if condition.loss:
        lost = rng.random(len(frames)) < condition.loss
        frames = [None if gone else f for f, gone in zip(frames, lost, strict=True)]
    on = offset + first_sound(voice)
    return OnTheLine(frames, on, offset + last_sound(voice), max(listen_from, 0.0))


def background(size: int, condition: Condition, speech_rms: float,
               rng: np.random.Generator) -> np.ndarray:
    white = rng.standard_normal(size).astype(np.float32)
    if condition.snr_db is None:
        return shaped(white) * np.float32(10 ** (HISS_DBFS / 20))
    noise = shaped(white) if condition.noise == "comfort" else band(white)
    noise = noise / max(float(np.sqrt(np.mean(noise**2))), 1e-9)
    return (noise * speech_rms * 10 ** (-condition.snr_db / 20)).astype(np.float32)


def shaped(white: np.ndarray) -> np.ndarray:
    """Comfort noise: white noise tilted towards the low end (about -6 dB an octave), in band,
    at unit RMS."""
    tilted = np.cumsum(white - white.mean()).astype(np.float32)
    tilted -= np.convolve(tilted, np.ones(400, dtype=np.float32) / 400, mode="same")
    noise = band(tilted)
    return noise / max(float(np.sqrt(np.mean(noise**2))), 1e-9)


def band(audio: np.ndarray, low: float = 300.0, high: float = 3400.0) -> np.ndarray:
    """The telephone band: a windowed-sinc band-pass, 300-3,400 Hz."""
    taps = 101
    n = np.arange(taps) - (taps - 1) / 2
    window = np.hamming(taps)
    lowpass = 2 * high / RATE * np.sinc(2 * high / RATE * n) * window
    below = 2 * low / RATE * np.sinc(2 * low / RATE * n) * window
    kernel = (lowpass - below).astype(np.float32)
    return np.convolve(audio.astype(np.float32), kernel, mode="same")


def active_rms(audio: np.ndarray) -> float:
    """RMS over the 10 ms frames within 30 dB of the loudest: the level while speaking."""
    step = RATE // 100
    frames = audio[: audio.size // step * step].reshape(-1, step).astype(np.float64)
    power = np.mean(frames**2, axis=1)
    active = power[power >= power.max() * 1e-3]
    return float(np.sqrt(np.mean(active)))


def at_level(audio: np.ndarray, dbfs: float) -> np.ndarray:
    gain = 10 ** (dbfs / 20) / max(active_rms(audio), 1e-9)
    return (audio * gain).astype(np.float32)


def first_sound(audio: np.ndarray) -> float:
    return _sounds(audio)[0] / RATE


def last_sound(audio: np.ndarray) -> float:
    return (_sounds(audio)[-1] + RATE // 100) / RATE


def _sounds(audio: np.ndarray) -> np.ndarray:
    step = RATE // 100
    frames = audio[: audio.size // step * step].reshape(-1, step).astype(np.float64)
    power = np.mean(frames**2, axis=1)
    return np.flatnonzero(power >= power.max() * 10 ** -3.5) * step


def _body_sound(kind: str, seed: int, rng: np.random.Generator) -> np.ndarray:
    """A breath, a cough or a thud, 0.15-0.5 s: sounds that are not words but that
    the VAD (and Whisper, primed with what the question expects) may take for a short one."""
    size = int(RATE * (0.15 + 0.05 * (seed % 8)))
    t = np.arange(size) / RATE
    swell = np.sin(np.linspace(0.0, np.pi, size)) ** 2
    white = rng.standard_normal(size)
    if kind == "breath":
        return at_level(band(np.convolve(white, np.ones(6) / 6, mode="same") * swell), -30.0)
    if kind == "cough":
        rumble = 0.5 * np.sin(2 * np.pi * (120 + 7 * seed) * t) * np.exp(-8 * t)
        return at_level(band(white * np.exp(-12 * t) + rumble), -18.0)
    if kind == "thud":
        return at_level(band(np.sin(2 * np.pi * 60 * t) * np.exp(-20 * t)
                             + 0.2 * white * np.exp(-30 * t)), -15.0)
    raise ValueError(f"no such sound: {kind}")


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


SOUNDS = ("burst", "click", "beep", "breath", "cough", "thud")
"""What ``noise_only`` can put on a line."""


def noise_only(kind: str, seed: int) -> OnTheLine:
    """A line with no speech on it, only a sound a caller's line makes, after 3 s of hiss: a
    ``burst`` of rustle (0.1-0.4 s at speech level), a ``click``, a ``beep`` (a keypad tone),
    a ``breath``, a ``cough`` or a ``thud`` (a door)."""
    rng = np.random.default_rng(seed)
    lead = _silence(3.0)
    if kind == "burst":
        sound = at_level(band(rng.standard_normal(int(RATE * (0.1 + 0.1 * (seed % 4))))), -20.0)
    elif kind == "click":
        sound = np.zeros(int(0.02 * RATE), dtype=np.float32)
        sound[:8] = 0.5 * np.sign(rng.standard_normal(8))
    elif kind == "beep":
        t = np.arange(int(0.2 * RATE)) / RATE
        sound = (0.1 * (np.sin(2 * np.pi * 697 * t) + np.sin(2 * np.pi * 1209 * t))).astype(
            np.float32)
    else:
        sound = _body_sound(kind, seed, rng)
    line = np.concatenate([lead, sound, _silence(TRAIL)])
    line += background(line.size, Condition("hiss"), 0.1, rng)
    pcm = ulaw_to_pcm16(pcm16_to_ulaw(float_to_pcm16(np.clip(line, -1.0, 1.0))))
    frames: list[bytes | None] = [pcm[i : i + 2 * FRAME] for i in range(0, len(pcm), 2 * FRAME)]
    return OnTheLine(frames, 3.0, 3.0 + sound.size / RATE)
