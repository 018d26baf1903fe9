"""Made audio kept for reuse: fixed prompts made at start-up, and recent dynamic sentences.

A fixed prompt (greeting, menus, apology) is the same every call, so synthesising it once at
start-up takes its cost out of every call's response time. Dynamic sentences repeat too, across
callers (a street's collection day, "Is that LS6 2QT?", a due date): the most recently said
ones are kept, so a busy morning's common answers are made once, not once a call. The recent
part is bounded and forgets the least recently used; it lives in memory only, as the words
already do in the call's records.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable

_LOGGER = logging.getLogger(__name__)

Key = tuple[str, int, str]


class PromptCache:
    """Audio by (sentence, rate, voice). The voice is the language's (a Welsh and an English
    sentence never share audio). Fixed prompts stay; recent sentences are bounded."""

    def __init__(self, limit: int = 512, recent: int = 256) -> None:
        self._fixed: dict[Key, bytes] = {}
        self._recent: OrderedDict[Key, bytes] = OrderedDict()
        self.limit = limit
        self.recent_limit = recent
        self.hits = 0
        self.misses = 0

    def get(self, sentence: str, rate: int, voice: str = "en") -> bytes | None:
        key = (_key(sentence), rate, voice)
        audio = self._fixed.get(key)
        if audio is None and (audio := self._recent.get(key)) is not None:
            self._recent.move_to_end(key)
        if audio is None:
            self.misses += 1
        else:
            self.hits += 1
        return audio

    def put(self, sentence: str, rate: int, audio: bytes, voice: str = "en") -> None:
        """Keep a fixed prompt (up to ``limit`` of them)."""
        if len(self._fixed) < self.limit:
            self._fixed[(_key(sentence), rate, voice)] = audio

    def remember(self, sentence: str, rate: int, audio: bytes, voice: str = "en") -> None:
        """Keep a dynamic sentence just made, forgetting the least recently said beyond the
        bound."""
        key = (_key(sentence), rate, voice)
        if key in self._fixed or self.recent_limit <= 0:
            return
        self._recent[key] = audio
        self._recent.move_to_end(key)
        while len(self._recent) > self.recent_limit:
            self._recent.popitem(last=False)

    def warm(self, sentences: Iterable[str], rate: int, render: Callable[[str], bytes],
             voice: str = "en") -> int:
        """Synthesise each sentence not yet cached (blocking: call from the TTS pool)."""
        added = 0
        for sentence in sentences:
            if (_key(sentence), rate, voice) not in self._fixed:
                self.put(sentence, rate, render(sentence), voice)
                added += 1
        _LOGGER.info("prompt cache: %d sentences ready", len(self._fixed))
        return added

    def __len__(self) -> int:
        return len(self._fixed)

    @property
    def recent(self) -> int:
        return len(self._recent)


def _key(sentence: str) -> str:
    return " ".join(sentence.split())
