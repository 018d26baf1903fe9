"""Voiced time in a clip: a pitch in the voice's range, on real words and on noises."""

from __future__ import annotations

import numpy as np

from bench.line import noise_only
from voicebot.audio import Resampler, pcm16_to_float
from voicebot.speech.pitch import periodic, pitched_seconds

RATE = 16000


def _tone(f0: float, seconds: float, harmonics: int = 8) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (0.1 * sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, harmonics))).astype(
        np.float32)


def test_a_vowel_like_sound_at_a_voice_pitch_is_voiced_for_its_length() -> None:
    for f0 in (90.0, 140.0, 220.0):
        assert 0.15 <= pitched_seconds(_tone(f0, 0.2), RATE) <= 0.2


def test_noise_and_silence_have_no_pitch() -> None:
    rng = np.random.default_rng(4)
    assert pitched_seconds((0.1 * rng.standard_normal(RATE)).astype(np.float32), RATE) == 0.0
    assert pitched_seconds(np.zeros(RATE, dtype=np.float32), RATE) == 0.0
    assert pitched_seconds(np.zeros(100, dtype=np.float32), RATE) == 0.0


def test_a_breath_rustle_cough_thud_or_click_on_a_phone_line_is_not_voiced() -> None:
    for sound in ("breath", "burst", "cough", "thud", "click"):
        for seed in range(8):
            line = noise_only(sound, seed)
            pcm = b"".join(f for f in line.frames if f is not None)
            audio = Resampler(8000, RATE).process(pcm16_to_float(pcm))[int(2.9 * RATE):]
            assert pitched_seconds(audio, RATE) < 0.03, (sound, seed)


def test_only_the_loud_part_of_a_clip_counts() -> None:
    rng = np.random.default_rng(1)
    hiss = (0.001 * rng.standard_normal(RATE)).astype(np.float32)
    clip = np.concatenate([hiss, _tone(120.0, 0.1), hiss])
    assert 0.06 <= pitched_seconds(clip, RATE) <= 0.12


def test_a_keypad_tone_repeats_but_is_no_voice() -> None:
    t = np.arange(int(RATE * 0.2)) / RATE
    for low, high in ((697.0, 1209.0), (941.0, 1477.0), (770.0, 1336.0)):
        tone = (0.1 * (np.sin(2 * np.pi * low * t) + np.sin(2 * np.pi * high * t))).astype(
            np.float32)
        assert pitched_seconds(tone, RATE) == 0.0
        assert not periodic(tone[:512], RATE)
    assert periodic(_tone(150.0, 0.032), RATE)
