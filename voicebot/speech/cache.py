"""Pre-synthesised audio for fixed prompts (greeting, menus, apology), stored at the call rate.

A fixed prompt is the same every call, so synthesising it once at start-up takes its cost out
of every call's response time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

_LOGGER = logging.getLogger(__name__)


class PromptCache:
    """Audio by (sentence, rate, voice); bounded so dynamic text can never grow it without
    limit. The voice is the language's (a Welsh and an English sentence never share audio)."""

    def __init__(self, limit: int = 512) -> None:
        self._audio: dict[tuple[str, int, str], bytes] = {}
        self.limit = limit
        self.hits = 0
        self.misses = 0

    def get(self, sentence: str, rate: int, voice: str = "en") -> bytes | None:
        audio = self._audio.get((_key(sentence), rate, voice))
        if audio is None:
            self.misses += 1
        else:
            self.hits += 1
        return audio

    def put(self, sentence: str, rate: int, audio: bytes, voice: str = "en") -> None:
        if len(self._audio) < self.limit:
            self._audio[(_key(sentence), rate, voice)] = audio

    def warm(self, sentences: Iterable[str], rate: int, render: Callable[[str], bytes],
             voice: str = "en") -> int:
        """Synthesise each sentence not yet cached (blocking: call from the TTS pool)."""
        added = 0
        for sentence in sentences:
            if (_key(sentence), rate, voice) not in self._audio:
                self.put(sentence, rate, render(sentence), voice)
                added += 1
        _LOGGER.info("prompt cache: %d sentences ready", len(self._audio))
        return added

    def __len__(self) -> int:
        return len(self._audio)


def _key(sentence: str) -> str:
    return " ".join(sentence.split())
