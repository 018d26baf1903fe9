"""VadGain: the caller's voice at the level the VAD judges best, line noise never raised."""

from __future__ import annotations

import numpy as np

from voicebot.speech.level import VadGain, level_dbfs

WINDOW = 0.032


def tone(dbfs: float) -> np.ndarray:
    t = np.arange(512) / 16000
    wave = np.sin(2 * np.pi * 220 * t).astype(np.float32)
    return (wave * 10 ** (dbfs / 20) * np.sqrt(2)).astype(np.float32)


def scaled(gain: VadGain, window: np.ndarray, loud: bool) -> np.ndarray:
    return gain.apply(window, level_dbfs(window), loud, WINDOW)


def test_a_loud_voice_is_brought_down_to_the_target() -> None:
    gain = VadGain(target_dbfs=-20.0)
    assert abs(level_dbfs(scaled(gain, tone(-6.0), True)) + 20.0) < 0.1


def test_a_quiet_voice_is_raised_but_no_more_than_allowed() -> None:
    gain = VadGain(target_dbfs=-20.0, most_raise_db=10.0)
    assert abs(level_dbfs(scaled(gain, tone(-35.0), True)) + 25.0) < 0.1


def test_windows_that_do_not_stand_out_from_the_line_are_never_raised() -> None:
    gain = VadGain()
    scaled(gain, tone(-35.0), True)
    hiss = tone(-60.0)
    assert abs(level_dbfs(scaled(gain, hiss, False)) + 60.0) < 0.1
    before_any_voice = VadGain()
    assert scaled(before_any_voice, hiss, False) is hiss


def test_the_peak_falls_slowly_so_a_softer_word_keeps_the_same_gain() -> None:
    gain = VadGain(target_dbfs=-20.0, fall_db_per_second=3.0)
    scaled(gain, tone(-6.0), True)
    softer = scaled(gain, tone(-12.0), True)
    assert abs(level_dbfs(softer) - (-12.0 - 14.0 + 3.0 * WINDOW)) < 0.1
