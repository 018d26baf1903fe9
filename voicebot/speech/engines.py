"""The speech models a service shares across calls, loaded once at start-up."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from voicebot.audio import float_to_pcm16, pcm16_to_float, resample
from voicebot.config import Settings
from voicebot.speech.base import SAMPLE_RATE, Hints, Recognizer
from voicebot.speech.cache import PromptCache
from voicebot.speech.clauses import sentences
from voicebot.speech.levels import speech_level
from voicebot.speech.piper import PiperSynthesizer
from voicebot.speech.pool import InferencePool
from voicebot.speech.prompt_book import PromptBook
from voicebot.speech.provision import DeviceChoice, ModelPaths, choose_device, model_paths
from voicebot.speech.recordings import R, load_book
from voicebot.speech.vad import SileroVad
from voicebot.speech.whisper import WhisperRecognizer
from voicebot.speech.wyoming import WyomingRecognizer

_LOGGER = logging.getLogger(__name__)

LEVEL_REFERENCE = (
    "Thank you for calling. What's the postcode of the property? Your next collection is on "
    "Wednesday the second of December. Is there anything else I can help you with today?"
)
"""What a voice says to have its level measured: prompts of the kinds the line speaks."""


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
    voices: dict[str, PiperSynthesizer] = field(default_factory=dict)
    """A voice per language; ``en`` is ``synthesizer``."""
    _levels: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, settings: Settings) -> SpeechEngines:
        paths = model_paths(settings)
        device = choose_device(settings)
        pool = InferencePool(settings.asr_workers, settings.tts_workers, settings.asr_threads)
        started = time.perf_counter()
        english = PiperSynthesizer(paths.piper_voice, pool)
        voices = {language: english if path == paths.piper_voice else PiperSynthesizer(path, pool)
                  for language, path in paths.voices.items()}
        engines = cls(
            paths=paths,
            device=device,
            pool=pool,
            vad=SileroVad(paths.vad_model),
            recognizer=_recognizer(settings, paths, device, pool),
            synthesizer=english,
            cache=PromptCache(),
            voices={**voices, "en": english},
        )
        where = (f"remote, Wyoming at {settings.models.asr}" if settings.models.asr
                 else f"on {device.device}/{device.compute_type}: {device.reason}")
        _LOGGER.info("speech models loaded in %.1f s (recogniser %s)",
                     time.perf_counter() - started, where)
        return engines

    def render_at(self, text: str, rate: int, language: str = "en") -> bytes:
        """Synthesise and resample to ``rate`` (blocking: call from the TTS pool)."""
        voice = self.voice(language)
        raw = voice.render(text)
        return float_to_pcm16(resample(pcm16_to_float(raw), voice.sample_rate, rate))

    def voice(self, language: str) -> PiperSynthesizer:
        """The language's voice; English when it has none (the caller then hears English
        words read in an English voice rather than Welsh words read in one)."""
        return self.voices.get(language, self.synthesizer)

    def conversing(self, wanted: Iterable[str]) -> list[str]:
        """The languages asked for that the bot can hold a call in: those with a voice."""
        spoken = []
        for language in dict.fromkeys(["en", *wanted]):
            if language in self.voices:
                spoken.append(language)
            else:
                _LOGGER.warning("conversation_languages has %r but models.voices has no voice "
                                "for it: callers who choose it go to its agents instead",
                                language)
        return spoken

    def level(self, language: str) -> float:
        """The active speech level of the language's voice (measured once, on first use), so
        recordings can be brought to it (blocking: a few sentences are synthesised)."""
        voice = self.voice(language)
        if voice.voice_name not in self._levels:
            audio = pcm16_to_float(voice.render(LEVEL_REFERENCE))
            self._levels[voice.voice_name] = speech_level(audio, voice.sample_rate) or -20.0
            _LOGGER.info("voice %s speaks at %.1f dBFS (active speech level)", voice.voice_name,
                         self._levels[voice.voice_name])
        return self._levels[voice.voice_name]

    def load_recordings(self, recorded: Sequence[R]) -> tuple[PromptBook, list[tuple[R, str]]]:
        """The flows' recorded prompts, each at the level of its language's voice."""
        return load_book(recorded, self.level)

    async def warm(self, prompts: Iterable[str], rate: int = 8000, language: str = "en") -> None:
        """Pre-synthesise fixed prompts and run one decode, so the first call is not slow."""
        fixed = [s for prompt in prompts for s in sentences(prompt)]
        await self.pool.tts(lambda: self.cache.warm(
            fixed, rate, lambda s: self.render_at(s, rate, language), language))
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
            "voices": {language: voice.voice_name for language, voice in self.voices.items()},
            "prompt_cache": len(self.cache),
            "recent_sentences": self.cache.recent,
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
