"""How loud the caller's line is against its own noise floor: a second opinion for the VAD.

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
    """Per-call level tracker; ``loud(window)`` says whether a window stands out from the line."""

    def __init__(self, margin_db: float = 12.0, rise_db_per_second: float = 1.5,
                 quietest_voice_dbfs: float = -55.0) -> None:
        self.margin_db = margin_db
        self.rise_db_per_second = rise_db_per_second
        self.quietest_voice_dbfs = quietest_voice_dbfs
        self.floor: float | None = None

    def loud(self, window: np.ndarray, seconds: float) -> bool:
        """Update the floor with this window; True when it is ``margin_db`` above the floor."""
        level = level_dbfs(window)
        floor = level if self.floor is None else self.floor
        floor = min(level, floor + self.rise_db_per_second * seconds)
        self.floor = floor
        return level >= self.quietest_voice_dbfs and level - floor >= self.margin_db


def level_dbfs(window: np.ndarray) -> float:
    """RMS level of float samples in dB relative to full scale."""
    power = float(np.mean(np.square(window, dtype=np.float64))) if window.size else 0.0
    if power <= 10 ** (SILENT_DBFS / 10):
        return SILENT_DBFS
    return 10 * math.log10(power)
