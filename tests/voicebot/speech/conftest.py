"""Real speech models, loaded once, and phone-line audio made with the local voice."""

from __future__ import annotations

import numpy as np

from telephony.codec import pcm16_to_ulaw, ulaw_to_pcm16
from voicebot.audio import float_to_pcm16, pcm16_to_float, resample
from voicebot.speech.engines import SpeechEngines


def phone_line(engines: SpeechEngines, text: str, length_scale: float = 1.0) -> bytes:
    """``text`` spoken by Piper, through 8 kHz mu-law: PCM16 at 8 kHz as a caller sends it."""
    from piper import SynthesisConfig

    voice = engines.synthesizer.voice
    # No generator noise: the same text always gives the same audio, so tests are repeatable.
    config = SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
    raw = b"".join(c.audio_int16_bytes for c in voice.synthesize(text, syn_config=config))
    narrow = resample(pcm16_to_float(raw), engines.synthesizer.sample_rate, 8000)
    return ulaw_to_pcm16(pcm16_to_ulaw(float_to_pcm16(narrow)))


def silence(seconds: float) -> bytes:
    return np.zeros(int(8000 * seconds), dtype="<i2").tobytes()


def noise(seconds: float, level: float = 0.02, seed: int = 1) -> bytes:
    samples = np.random.default_rng(seed).standard_normal(int(8000 * seconds)) * level
    return float_to_pcm16(samples.astype(np.float32))


def frames(pcm: bytes, size: int = 320) -> list[bytes]:
    """Cut 8 kHz PCM16 into 20 ms carrier frames."""
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


def to_16k(pcm8: bytes) -> np.ndarray:
    return resample(pcm16_to_float(pcm8), 8000, 16000)


def encoded(recognizer: object, audio: np.ndarray) -> np.ndarray:
    """``audio`` (16 kHz) through Whisper's encoder on the window the recogniser fits it to,
    as the recogniser keeps it for rescoring and alignment."""
    import ctranslate2

    from voicebot.speech.whisper import _fit

    features = recognizer._features(audio)  # type: ignore[attr-defined]
    window = recognizer._window(features.shape[-1])  # type: ignore[attr-defined]
    storage = ctranslate2.StorageView.from_array(
        np.ascontiguousarray(_fit(features, window)[None]))
    return np.asarray(recognizer.model.encode(storage))  # type: ignore[attr-defined]
