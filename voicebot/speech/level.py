"""How loud the caller's line is against its own noise floor: a second opinion for the VAD;
and the level the VAD hears the caller at.

A soft first syllable can score a doubtful speech probability; if the same window is also well
above the line's steady noise (hiss, comfort noise, a quiet room), it is probably a voice. The
floor follows the quietest recent level: it drops at once and rises slowly, so a few seconds of
speech barely lift it, while a line that gets noisier is followed within seconds.
"""

from __future__ import annotations

import math

import numpy as np

SILENT_DBFS = -90.0
"""Level given to digital silence (and anything quieter)."""


class NoiseFloor:
    """Per-call level tracker; ``loud(level)`` says whether a window stands out from the line."""

    def __init__(self, margin_db: float = 12.0, rise_db_per_second: float = 1.5,
                 quietest_voice_dbfs: float = -55.0) -> None:
        self.margin_db = margin_db
        self.rise_db_per_second = rise_db_per_second
        self.quietest_voice_dbfs = quietest_voice_dbfs
        self.floor: float | None = None

    def loud(self, level: float, seconds: float) -> bool:
        """Update the floor with a window's level (``level_dbfs``); True when it is
        ``margin_db`` above the floor."""
        floor = level if self.floor is None else self.floor
        floor = min(level, floor + self.rise_db_per_second * seconds)
        self.floor = floor
        return level >= self.quietest_voice_dbfs and level - floor >= self.margin_db


class VadGain:
    """Brings a caller's voice to the level Silero VAD judges best, before it is judged.

    Silero's score depends on level (measured on the tuning voices of bench/listening.py): a
    voice arriving at -6 dBFS (a loud handset, a line with too much gain) or at -35 dBFS
    scores well under the speech threshold for short words ("Agent.", "Nope.": 0.24-0.36),
    where the same words 12 dB quieter, or 10 dB louder, score 0.7-0.8. So each window is
    scaled by the gain that would bring the caller's recent speech peak to ``target_dbfs``.
    The peak follows only windows that stand out from the line's noise floor (it rises at
    once, falls slowly), and quiet windows are never raised, so hiss and comfort noise are
    not made to look like a voice. Only the VAD sees the scaled audio; Whisper hears it as
    it came.
    """

    def __init__(self, target_dbfs: float = -20.0, most_raise_db: float = 10.0,
                 most_cut_db: float = 20.0, fall_db_per_second: float = 3.0) -> None:
        self.target_dbfs = target_dbfs
        self.most_raise_db = most_raise_db
        self.most_cut_db = most_cut_db
        self.fall_db_per_second = fall_db_per_second
        self.peak: float | None = None

    def apply(self, window: np.ndarray, level: float, loud: bool, seconds: float) -> np.ndarray:
        """``window`` (at ``level`` dBFS) scaled for the VAD; ``loud``: it stands out from the
        noise floor."""
        if loud:
            fallen = None if self.peak is None else self.peak - self.fall_db_per_second * seconds
            self.peak = level if fallen is None else max(level, fallen)
        if self.peak is None:
            return window
        gain_db = min(self.most_raise_db, max(-self.most_cut_db, self.target_dbfs - self.peak))
        if not loud:
            gain_db = min(gain_db, 0.0)
        if gain_db == 0.0:
            return window
        return (window * 10 ** (gain_db / 20)).astype(np.float32)


def level_dbfs(window: np.ndarray) -> float:
    """RMS level of float samples in dB relative to full scale."""
    power = float(np.mean(np.square(window, dtype=np.float64))) if window.size else 0.0
    if power <= 10 ** (SILENT_DBFS / 10):
        return SILENT_DBFS
    return 10 * math.log10(power)
