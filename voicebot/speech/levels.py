"""How loud speech is: the level recordings are matched to, so prompts never jump in volume.

The measure is the active speech level: the mean power of the 20 ms frames that carry speech
(within 30 dB of the loudest frame), in dB below full scale. Pauses and breaths do not count,
so a recording with a long lead-in measures the same as the same words said tightly, which is
what a listener hears. (A simplified ITU-T P.56; enough to line up two voices.)
"""

from __future__ import annotations

import numpy as np

FRAME_SECONDS = 0.02
ACTIVE_RANGE_DB = 30.0
"""Frames quieter than the loudest by more than this are pauses, not speech."""
FLOOR_DBFS = -60.0
"""Frames below this are silence whatever the loudest frame is."""


def frame_levels(samples: np.ndarray, rate: int) -> np.ndarray:
    """Each 20 ms frame's RMS level in dBFS (float32 samples in [-1, 1])."""
    size = max(1, int(rate * FRAME_SECONDS))
    count = len(samples) // size
    if count == 0:
        return np.zeros(0)
    frames = samples[: count * size].astype(np.float64).reshape(count, size)
    power = (frames**2).mean(axis=1)
    levels: np.ndarray = 10 * np.log10(np.maximum(power, 1e-12))
    return levels


def voiced(levels: np.ndarray) -> np.ndarray:
    """Which frames carry speech."""
    if levels.size == 0:
        return np.zeros(0, dtype=bool)
    loudest = float(levels.max())
    mask: np.ndarray = (levels > FLOOR_DBFS) & (levels > loudest - ACTIVE_RANGE_DB)
    return mask


def voiced_seconds(samples: np.ndarray, rate: int, range_db: float = 20.0) -> float:
    """How long the clip carries voice: its 20 ms frames within ``range_db`` of the loudest
    (narrower than the active level's 30 dB, so a line's hiss between words does not count)."""
    levels = frame_levels(samples, rate)
    if levels.size == 0:
        return 0.0
    loud = (levels > FLOOR_DBFS) & (levels > float(levels.max()) - range_db)
    return float(loud.sum()) * FRAME_SECONDS


def speech_level(samples: np.ndarray, rate: int) -> float | None:
    """The active speech level in dBFS, or None when nothing in the clip is speech."""
    levels = frame_levels(samples, rate)
    mask = voiced(levels)
    if not mask.any():
        return None
    power = np.mean(10 ** (levels[mask] / 10))
    return float(10 * np.log10(power))


def gain_to(samples: np.ndarray, rate: int, target_dbfs: float) -> tuple[np.ndarray, float]:
    """``samples`` brought to ``target_dbfs``, and the level reached.

    Speech peaks stand 15-20 dB above its active level, so at a synthetic voice's level (about
    -17 dBFS) a recording's loudest syllables would pass full scale: they are rounded off by
    a soft limiter instead of turning the whole recording down (the voice's own peaks reach
    full scale too).
    """
    level = speech_level(samples, rate)
    if level is None:
        return samples, FLOOR_DBFS
    louder = samples * 10 ** ((target_dbfs - level) / 20)
    limited = soft_limit(louder)
    reached = speech_level(limited, rate)
    return limited, FLOOR_DBFS if reached is None else reached


def soft_limit(samples: np.ndarray, knee: float = 0.7) -> np.ndarray:
    """Leave everything below ``knee`` alone; bend what is above it to stay under 1."""
    magnitude = np.abs(samples)
    over = magnitude > knee
    bent = knee + (1 - knee) * np.tanh((magnitude[over] - knee) / (1 - knee))
    result = samples.astype(np.float32, copy=True)
    result[over] = np.sign(samples[over]) * bent
    return result
