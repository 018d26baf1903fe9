"""The speech models a service shares across calls, loaded once at start-up."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from voicebot.audio import float_to_pcm16, pcm16_to_float, resample
from voicebot.config import Settings
from voicebot.speech.base import SAMPLE_RATE, Hints, Recognizer
from voicebot.speech.cache import PromptCache
from voicebot.speech.clauses import sentences
from voicebot.speech.piper import PiperSynthesizer
from voicebot.speech.pool import InferencePool
from voicebot.speech.provision import DeviceChoice, ModelPaths, choose_device, model_paths
from voicebot.speech.vad import SileroVad
from voicebot.speech.whisper import WhisperRecognizer
from voicebot.speech.wyoming import WyomingRecognizer

_LOGGER = logging.getLogger(__name__)


class SharedRecognizer(Recognizer, Protocol):
    """A recogniser the service owns: in this process, or a client of a remote one."""

    async def close(self) -> None: ...


@dataclass
class SpeechEngines:
    """Shared models, their worker pool and the prompt cache."""

    paths: ModelPaths
    device: DeviceChoice
    pool: InferencePool
    vad: SileroVad
    recognizer: SharedRecognizer
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
            recognizer=_recognizer(settings, paths, device, pool),
            synthesizer=PiperSynthesizer(paths.piper_voice, pool),
            cache=PromptCache(),
        )
        where = (f"remote, Wyoming at {settings.models.asr}" if settings.models.asr
                 else f"on {device.device}/{device.compute_type}: {device.reason}")
        _LOGGER.info("speech models loaded in %.1f s (recogniser %s)",
                     time.perf_counter() - started, where)
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
            "models": {"asr": _asr_name(self.recognizer, self.paths),
                       "tts": str(self.paths.piper_voice),
                       "vad": str(self.paths.vad_model)},
            "tts_sample_rate": self.synthesizer.sample_rate,
            "prompt_cache": len(self.cache),
            "workers": {"asr": self.pool.asr_workers, "tts": self.pool.tts_workers,
                        "asr_threads": self.pool.asr_threads},
        }

    async def close(self) -> None:
        await self.recognizer.close()
        self.pool.shutdown()


def _recognizer(settings: Settings, paths: ModelPaths, device: DeviceChoice,
                pool: InferencePool) -> SharedRecognizer:
    """Whisper in this process, or the remote recogniser ``models.asr`` names."""
    if settings.models.asr:
        return WyomingRecognizer(settings.models.asr)
    return WhisperRecognizer(paths.whisper_dir, device, pool)


def _asr_name(recognizer: SharedRecognizer, paths: ModelPaths) -> str:
    if isinstance(recognizer, WyomingRecognizer):
        return recognizer.uri
    return str(paths.whisper_dir)
