"""The speech models a service shares across calls, loaded once at start-up."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from voicebot.audio import float_to_pcm16, pcm16_to_float, resample
from voicebot.config import Settings
from voicebot.speech.base import SAMPLE_RATE, Hints
from voicebot.speech.cache import PromptCache
from voicebot.speech.clauses import sentences
from voicebot.speech.piper import PiperSynthesizer
from voicebot.speech.pool import InferencePool
from voicebot.speech.provision import DeviceChoice, ModelPaths, choose_device, model_paths
from voicebot.speech.vad import SileroVad
from voicebot.speech.whisper import WhisperRecognizer

_LOGGER = logging.getLogger(__name__)


@dataclass
class SpeechEngines:
    """Shared models, their worker pool and the prompt cache."""

    paths: ModelPaths
    device: DeviceChoice
    pool: InferencePool
    vad: SileroVad
    recognizer: WhisperRecognizer
    synthesizer: PiperSynthesizer
    cache: PromptCache

    @classmethod
    def load(cls, settings: Settings) -> SpeechEngines:
        paths = model_paths(settings)
        device = choose_device(settings)
        pool = InferencePool(settings.asr_workers, settings.tts_workers)
        started = time.perf_counter()
        engines = cls(
            paths=paths,
            device=device,
            pool=pool,
            vad=SileroVad(paths.vad_model),
            recognizer=WhisperRecognizer(paths.whisper_dir, device, pool),
            synthesizer=PiperSynthesizer(paths.piper_voice, pool),
            cache=PromptCache(),
        )
        _LOGGER.info("speech models loaded in %.1f s (recogniser on %s/%s: %s)",
                     time.perf_counter() - started, device.device, device.compute_type,
                     device.reason)
        return engines

    def render_at(self, text: str, rate: int) -> bytes:
        """Synthesise and resample to ``rate`` (blocking: call from the TTS pool)."""
        raw = self.synthesizer.render(text)
        return float_to_pcm16(resample(pcm16_to_float(raw), self.synthesizer.sample_rate, rate))

    async def warm(self, prompts: Iterable[str], rate: int = 8000) -> None:
        """Pre-synthesise fixed prompts and run one decode, so the first call is not slow."""
        fixed = [s for prompt in prompts for s in sentences(prompt)]
        await self.pool.tts(lambda: self.cache.warm(fixed, rate, lambda s: self.render_at(s, rate)))
        noise = (np.random.default_rng(0).standard_normal(SAMPLE_RATE) * 0.01).astype(np.float32)
        await self.recognizer.transcribe(noise, Hints())

    def describe(self) -> dict[str, Any]:
        return {
            "device": {"name": self.device.device, "compute_type": self.device.compute_type,
                       "reason": self.device.reason},
            "models": {"asr": str(self.paths.whisper_dir), "tts": str(self.paths.piper_voice),
                       "vad": str(self.paths.vad_model)},
            "tts_sample_rate": self.synthesizer.sample_rate,
            "prompt_cache": len(self.cache),
            "workers": {"asr": self.pool.asr_workers, "tts": self.pool.tts_workers,
                        "asr_threads": self.pool.asr_threads},
        }

    async def close(self) -> None:
        await self.recognizer.close()
        self.pool.shutdown()
