"""Audio plumbing shared by the listener and the speaker: resampling and fixed-size windows."""

from __future__ import annotations

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
    """Stateful streaming resampler: feed it frames, get continuous audio with no seams."""

    def __init__(self, from_rate: int, to_rate: int) -> None:
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._stream = (
            None
            if from_rate == to_rate
            else soxr.ResampleStream(from_rate, to_rate, 1, dtype="float32", quality="HQ")
        )

    def process(self, samples: np.ndarray, last: bool = False) -> np.ndarray:
        if self._stream is None:
            return samples.astype(np.float32, copy=False)
        return np.asarray(
            self._stream.resample_chunk(samples.astype(np.float32, copy=False), last=last),
            dtype=np.float32,
        )


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
