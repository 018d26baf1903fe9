"""The word half of the intent router: keywords heard, and which of them count."""

from __future__ import annotations

import pytest

from voicebot.language.wording import WordRanker

EXAMPLES = {
    "collection_day": ["when are my bins collected", "what day is collection day"],
    "missed": ["my bin was not collected", "they didn't empty my bin"],
    "pay": ["how do I pay my council tax"],
    "elsewhere": ["I need to pay my council rent"]}
KEYWORDS = {
    "collection_day": ["collected", "collection day"],
    "missed": ["not collected", "wasn't collected", "didn't empty"],
    "pay": ["pay"],
    "elsewhere": ["pay my rent"]}
RANKER = WordRanker(EXAMPLES, KEYWORDS)


def without(intent: str, keyword: str) -> WordRanker:
    return WordRanker(EXAMPLES, {**KEYWORDS,
                                 intent: [k for k in KEYWORDS[intent] if k != keyword]})


@pytest.mark.parametrize(("said", "intent", "keyword", "longer"), [
    # A keyword heard only inside another intent's longer keyword is no evidence.
    ("the green bin was not collected on Friday", "collection_day", "collected", "missed"),
    ("our glass box wasn't collected", "collection_day", "collected", "missed"),
    ("I'm ringing to pay my rent", "pay", "pay", "elsewhere"),
])
def test_a_keyword_inside_a_longer_keyword_heard_does_not_count(
        said: str, intent: str, keyword: str, longer: str) -> None:
    scores = RANKER.score(said)
    assert scores[intent].score == without(intent, keyword).score(said)[intent].score
    assert scores[longer].score > scores[intent].score


def test_a_keyword_heard_on_its_own_still_counts() -> None:
    said = "which day is the garden waste collected"
    scores = RANKER.score(said)
    assert scores["collection_day"].score > without("collection_day", "collected").score(
        said)["collection_day"].score
    assert scores["collection_day"].score > scores["missed"].score
