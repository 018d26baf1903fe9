"""The cache of made audio: fixed prompts stay, recent dynamic sentences are bounded."""

from __future__ import annotations

from voicebot.speech.cache import PromptCache


def test_fixed_prompts_stay_and_recent_sentences_forget_the_least_recently_said() -> None:
    cache = PromptCache(recent=2)
    cache.put("Hello, you're through to the council.", 8000, b"greeting")
    cache.remember("Is that LS6 2QT?", 8000, b"ls6")
    cache.remember("Is that M14 5RN?", 8000, b"m14")
    assert cache.get("Is that  LS6 2QT?", 8000) == b"ls6"  # said again: now the most recent
    cache.remember("Is that SK4 1AA?", 8000, b"sk4")
    assert cache.get("Is that M14 5RN?", 8000) is None  # the least recently said went
    assert cache.get("Is that LS6 2QT?", 8000) == b"ls6"
    assert cache.get("Hello, you're through to the council.", 8000) == b"greeting"
    assert cache.recent == 2 and len(cache) == 1


def test_a_sentence_is_kept_per_rate_and_voice() -> None:
    cache = PromptCache()
    cache.remember("Diolch.", 8000, b"cy", "cy")
    assert cache.get("Diolch.", 8000, "en") is None
    assert cache.get("Diolch.", 16000, "cy") is None
    assert cache.get("Diolch.", 8000, "cy") == b"cy"


def test_no_recent_part_keeps_nothing_dynamic() -> None:
    cache = PromptCache(recent=0)
    cache.remember("Is that LS6 2QT?", 8000, b"ls6")
    assert cache.get("Is that LS6 2QT?", 8000) is None
