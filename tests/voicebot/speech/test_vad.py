"""Silero VAD with its state refreshed in quiet: as sure after 30 s of line noise as after 0.5 s."""

from __future__ import annotations

import numpy as np

from tests.voicebot.speech.conftest import noise, phone_line, to_16k
from voicebot.audio import FrameChunker, Resampler, pcm16_to_float
from voicebot.speech.engines import SpeechEngines
from voicebot.speech.vad import SileroVad


def probabilities(vad: SileroVad, pcm8k: bytes) -> np.ndarray:
    """Per-window speech probabilities of 8 kHz PCM fed as a call delivers it (20 ms frames)."""
    stream, resampler, chunker = vad.stream(), Resampler(8000, 16000), FrameChunker(512)
    samples = pcm16_to_float(pcm8k)
    found = []
    for start in range(0, samples.size, 160):
        for window in chunker.push(resampler.process(samples[start : start + 160])):
            found.append(stream.probability(window))
    return np.array(found)


def test_speech_after_long_line_noise_scores_as_after_a_short_pause(
        engines: SpeechEngines) -> None:
    speech = phone_line(engines, "When is my bin day?")
    hiss = 0.0015  # about -56 dBFS of line noise
    scores = {}
    for lead in (0.5, 30.0):
        pcm = noise(lead, hiss, seed=3) + speech + noise(0.5, hiss, seed=4)
        found = probabilities(engines.vad, pcm)
        start = int(lead * 16000 / 512)
        spoken = found[start : start + to_16k(speech).size // 512]
        assert found[:start].max() < 0.15  # the noise itself is not speech
        scores[lead] = float(np.mean(spoken > 0.5))
    assert scores[30.0] >= scores[0.5] - 0.05, scores
    assert scores[30.0] > 0.5, scores
