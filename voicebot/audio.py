"""Audio plumbing shared by the listener and the speaker: resampling and fixed-size windows."""

from __future__ import annotations

import math

import numpy as np
import soxr


def pcm16_to_float(pcm: bytes) -> np.ndarray:
    """PCM16 little-endian bytes to float32 in [-1, 1)."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def float_to_pcm16(samples: np.ndarray) -> bytes:
    """float32 in [-1, 1] to PCM16 little-endian bytes, clipping what is out of range."""
    pcm: bytes = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    return pcm


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample a whole clip (float32) with a proper anti-aliasing filter."""
    if from_rate == to_rate:
        return samples.astype(np.float32, copy=False)
    return np.asarray(soxr.resample(samples, from_rate, to_rate, quality="HQ"), dtype=np.float32)


class Resampler:
    """Stateful streaming resampler for live frames: continuous output, about 2 ms of delay.

    soxr's streaming mode releases audio in ~100 ms bursts, which would delay speech onset
    (barge-in) and the end of turn; a windowed-sinc polyphase filter with its own history
    returns every frame's samples at once. Rates must have a small rational ratio
    (8 kHz -> 16 kHz is 2/1).
    """

    TAPS_PER_PHASE = 32

    def __init__(self, from_rate: int, to_rate: int) -> None:
        self.from_rate = from_rate
        self.to_rate = to_rate
        divisor = math.gcd(from_rate, to_rate)
        self.up = to_rate // divisor
        self.down = from_rate // divisor
        taps = self.TAPS_PER_PHASE * self.up
        cutoff = 0.5 / max(self.up, self.down)
        n = np.arange(taps) - (taps - 1) / 2
        self._filter = (
            2 * cutoff * np.sinc(2 * cutoff * n) * np.kaiser(taps, 8.0) * self.up
        ).astype(np.float32)
        self._history = np.zeros(taps - 1, dtype=np.float32)
        self._phase = 0

    def process(self, samples: np.ndarray) -> np.ndarray:
        if self.up == self.down == 1:
            return samples.astype(np.float32, copy=False)
        stuffed = np.zeros(len(samples) * self.up, dtype=np.float32)
        stuffed[:: self.up] = samples
        data = np.concatenate([self._history, stuffed])
        filtered = np.convolve(data, self._filter, mode="valid")
        self._history = data[len(data) - len(self._history) :]
        picked = filtered[self._phase :: self.down]
        self._phase = (self._phase - len(filtered)) % self.down
        return picked.astype(np.float32, copy=False)


class FrameChunker:
    """Re-cuts a stream of arbitrary-length chunks into windows of exactly ``size`` samples."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pending = np.zeros(0, dtype=np.float32)

    def push(self, samples: np.ndarray) -> list[np.ndarray]:
        data = np.concatenate([self._pending, samples.astype(np.float32, copy=False)])
        count = len(data) // self.size
        windows = [data[i * self.size : (i + 1) * self.size] for i in range(count)]
        self._pending = data[count * self.size :]
        return windows

    def reset(self) -> None:
        self._pending = np.zeros(0, dtype=np.float32)
