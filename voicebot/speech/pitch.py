"""How much of a clip is voiced: vocal cords vibrating, a pitch between 70 and 400 Hz.

A second witness for a short sound Silero doubted and Whisper heard unsurely: "Yes", "No",
"Eight" all carry a voiced vowel, while a breath, rustle or a click is noise with no pitch at
all, though Whisper (even unprompted) writes "Yeah." for a breath. A frame counts as voiced
when its normalised autocorrelation peaks high at a lag in the voice's pitch range.
"""

from __future__ import annotations

import numpy as np

FRAME_SECONDS = 0.032
HOP_SECONDS = 0.016
LOWEST_PITCH_HZ = 70.0
HIGHEST_PITCH_HZ = 400.0
PERIODIC = 0.6
"""Normalised autocorrelation a frame's best pitch lag needs (on the phone-line sounds of
bench/line.py, no frame of a breath, rustle, cough, thud or click reached it, while quick
words kept 0.03-0.14 s of frames above it). Two FFTs a frame: cheap enough for the event
loop, where the listener asks it of loud windows the VAD scored as no voice."""
TONAL = 0.99
"""Share of a frame's energy in its two strongest spectral peaks that makes it a tone."""
LOUD_RANGE_DB = 20.0
"""Only frames within this of the clip's loudest count (the hiss around a word does not)."""


def pitched_seconds(samples: np.ndarray, rate: int) -> float:
    """Seconds of the clip's loud frames that are periodic at a voice's pitch."""
    size, hop = int(rate * FRAME_SECONDS), int(rate * HOP_SECONDS)
    if samples.size < size:
        return 0.0
    starts = range(0, samples.size - size + 1, hop)
    frames = np.stack([samples[s : s + size] for s in starts]).astype(np.float64)
    frames -= frames.mean(axis=1, keepdims=True)
    power = (frames**2).mean(axis=1)
    levels = 10 * np.log10(np.maximum(power, 1e-12))
    loud = levels >= levels.max() - LOUD_RANGE_DB
    count = sum(_voiced(frame, rate) for frame in frames[loud])
    return count * HOP_SECONDS


def periodic(frame: np.ndarray, rate: int) -> bool:
    """Whether one short frame (32 ms or so) repeats at a voice's pitch, and is not a tone."""
    return _voiced(frame.astype(np.float64) - float(frame.mean()), rate)


def _voiced(centred: np.ndarray, rate: int) -> bool:
    """``periodic`` for a frame already centred on zero."""
    shortest, longest = int(rate / HIGHEST_PITCH_HZ), int(rate / LOWEST_PITCH_HZ)
    return _periodicity(centred, shortest, longest) >= PERIODIC and not _tone(centred)


def _tone(frame: np.ndarray) -> bool:
    """A keypad tone (two sines) repeats too, but all its energy sits in two spectral peaks:
    0.998 or more of it, against at most 0.974 in the voiced frames of quick words."""
    spectrum = np.abs(np.fft.rfft(frame * np.hanning(frame.size), 2 * frame.size)) ** 2
    total = float(spectrum.sum())
    if total <= 0.0:
        return False
    held = 0.0
    for _ in range(2):
        peak = int(np.argmax(spectrum))
        low, high = max(0, peak - 3), peak + 4
        held += float(spectrum[low:high].sum())
        spectrum[low:high] = 0.0
    return held / total >= TONAL


def _periodicity(frame: np.ndarray, shortest: int, longest: int) -> float:
    """The highest normalised autocorrelation at a lag from ``shortest`` to ``longest``."""
    spectrum = np.fft.rfft(frame, 2 * frame.size)
    correlation = np.fft.irfft(spectrum * np.conj(spectrum))[: frame.size]
    if correlation[0] <= 0.0:
        return 0.0
    lags = np.arange(shortest, min(longest, frame.size - 1) + 1)
    overlap = (frame.size - lags) / frame.size  # unbiased: a long lag overlaps less
    return float(np.max(correlation[lags] / (correlation[0] * overlap)))
