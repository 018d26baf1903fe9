"""IntentRouter: which of the flows' intents a caller's words ask for, and how surely.

Each intent has example phrasings and keywords written by council staff. A phrase is scored
against every example with rapidfuzz (word-set similarity, forgiving of word order and extra
words) and boosted by keywords heard; the best intent wins if it is clearly ahead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils


@dataclass(frozen=True)
class IntentSpec:
    examples: tuple[str, ...]
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntentScore:
    intent: str
    score: float
    """0..1: how well the words match this intent."""


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


class IntentRouter:
    """Routes free text to intents; build once per flow set."""

    def __init__(self, intents: Mapping[str, IntentSpec]) -> None:
        self._intents = dict(intents)
        self._choices: list[str] = []
        self._owners: list[str] = []
        for name, spec in self._intents.items():
            for example in spec.examples:
                self._choices.append(utils.default_process(example))
                self._owners.append(name)

    @property
    def names(self) -> list[str]:
        return list(self._intents)

    def rank(self, text: str, alternatives: Sequence[str] = ()) -> list[IntentScore]:
        """Every intent with its score, best first; the best of the text and its alternatives."""
        best: dict[str, float] = {name: 0.0 for name in self._intents}
        for candidate in (text, *alternatives):
            for name, score in self._score(candidate).items():
                best[name] = max(best[name], score)
        return sorted((IntentScore(n, s) for n, s in best.items()), key=lambda s: -s.score)

    def _score(self, text: str) -> dict[str, float]:
        scores: dict[str, float] = {name: 0.0 for name in self._intents}
        cleaned = utils.default_process(text)
        if not cleaned:
            return scores
        matches = process.extract(cleaned, self._choices, scorer=fuzz.token_set_ratio,
                                  limit=None)
        for _, similarity, index in matches:
            owner = self._owners[index]
            ratio = fuzz.ratio(cleaned, self._choices[index]) / 100
            value = 0.7 * similarity / 100 + 0.3 * ratio
            scores[owner] = max(scores[owner], value)
        heard = _words(text)
        for name, spec in self._intents.items():
            hits = sum(1 for keyword in spec.keywords if _words(keyword) <= heard)
            if hits:
                scores[name] = min(1.0, scores[name] + 0.15 + 0.1 * (hits - 1))
        return scores
