"""IntentRouter: which of the flows' intents a caller's words ask for, and how surely.

Each intent has example phrasings and keywords written by council staff. Three kinds of evidence
are combined into one score between 0 and 1:

* similarity to the closest example, compared on the words that carry meaning (so "I want to
  check my refuse day" is not pulled towards "I want to check my council tax account" by the
  words "I want to check my");
* keywords heard (a keyword of several words needs all of them), forgiving of endings
  ("collected", "collection") and of small misspellings in longer words ("installment");
* the meaning-carrying words the caller used that this intent's examples and keywords also use,
  each weighted by how specific it is to the intent (a word every intent shares counts little).

The best intent wins only when it is clearly ahead; the engine decides what "clearly" means.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

_STOP = frozenset(re.findall(r"\S+", """
a an the to of for on in at by and or but so if is are was were be am it its it's this that
these those there here i i'm im i've ive i'd id i'll me my mine we we're our us you you're your
yours he she they them their his her do does did done can could would should will shall may
might must have has had get got just about please thanks thank love dear hello hi hiya morning
afternoon evening um uh erm er ah oh well like want wanted wanting need needed know let tell
some any with from up out as into than then also really very still yes yeah okay ok right
"""))
"""Words that say little about what the caller wants (kept: when, how, what, not, no)."""

_NEGATIONS = frozenset(re.findall(r"\S+", """
not no never nobody nothing didnt doesnt dont wasnt werent isnt arent
hasnt havent hadnt wont cant couldnt missed miss forgot forgotten without"""))
"""Words that turn a request around ("collected" vs "wasn't collected")."""

FUZZY_WORD = 86
"""rapidfuzz ratio at which two longer words (5+ letters) count as the same word."""


@dataclass(frozen=True)
class IntentSpec:
    examples: tuple[str, ...]
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntentScore:
    intent: str
    score: float
    """0..1: how well the words match this intent."""


def tokens(text: str) -> list[str]:
    """Lower-case words, apostrophes dropped ("didn't" -> "didnt")."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))


def stem(word: str) -> str:
    """A light English stem, enough that "collected", "collection", "collects" meet."""
    for suffix in ("ations", "ation", "ments", "ment", "ings", "ing", "ied", "ies", "ed",
                   "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("ion") and len(word) > 6:
        word = word[:-3]
    return word[:-1] if len(word) > 3 and word[-1] == word[-2] else word


def content(text: str) -> list[str]:
    """The stems of the words that carry meaning."""
    return [stem(w) for w in tokens(text) if w not in _STOP]


def _negated(text: str) -> bool:
    return any(w in _NEGATIONS for w in tokens(text))


def _same(word: str, other: str) -> bool:
    if word == other:
        return True
    return (min(len(word), len(other)) >= 5
            and fuzz.ratio(word, other) >= FUZZY_WORD)


class IntentRouter:
    """Routes free text to intents; build once per flow set."""

    def __init__(self, intents: Mapping[str, IntentSpec]) -> None:
        self._intents = dict(intents)
        self._examples: list[tuple[str, str, str, bool]] = []
        """(owner, example as content stems, example as plain words, negated)."""
        self._keywords: dict[str, list[tuple[str, ...]]] = {}
        self._vocab: dict[str, set[str]] = {}
        for name, spec in self._intents.items():
            vocab: set[str] = set()
            for example in spec.examples:
                stems = content(example)
                vocab.update(stems)
                self._examples.append((name, " ".join(stems), " ".join(tokens(example)),
                                       _negated(example)))
            keywords = [tuple(stem(w) for w in tokens(k)) for k in spec.keywords]
            self._keywords[name] = [k for k in keywords if k]
            for keyword in self._keywords[name]:
                vocab.update(w for w in keyword if w not in _STOP)
            self._vocab[name] = vocab
        self._negative = {
            name: sum(e[3] for e in self._examples if e[0] == name)
            / max(1, sum(1 for e in self._examples if e[0] == name))
            for name in self._intents}
        """The share of each intent's examples that are negative ("bin wasn't emptied")."""
        spread = Counter(word for vocab in self._vocab.values() for word in vocab)
        count = max(len(self._intents), 1)
        self._weight = {word: math.log(1 + count / n) / math.log(1 + count)
                        for word, n in spread.items()}
        """1 for a word only one intent uses, less the more intents share it."""

    async def prepare(self, texts: Sequence[str]) -> None:
        """Do any heavy work for these words off the event loop, before ``rank`` is asked.

        The dialogue awaits this once per turn with the words heard. Word matching needs no
        preparation; a model-backed ranking computes and caches its vectors here, so ``rank``
        itself stays cheap and synchronous.
        """

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
        plain = " ".join(tokens(text))
        if not plain:
            return scores
        stems = content(text)
        said = set(stems)
        negated = _negated(text)
        for owner, example, example_plain, _ in self._examples:
            overlap = self._overlap(said, set(example.split()))
            whole = fuzz.ratio(plain, example_plain) / 100
            scores[owner] = max(scores[owner], 0.8 * overlap + 0.2 * whole, whole)
        heard = set(tokens(text)) | said
        for name in self._intents:
            hits = sum(1 for keyword in self._keywords[name]
                       if all(any(_same(w, h) for h in heard) for w in keyword))
            boost = 0.22 + 0.08 * min(hits - 1, 2) if hits else 0.0
            boost += 0.06 * min(self._evidence(name, stems), 1.5)
            # "wasn't collected" asks for something else than "collected": an intent whose
            # examples are mostly negative suits a negative request, and the other way round.
            polarity = self._negative[name]
            fit = 0.88 + 0.12 * polarity if negated else 1.0 - 0.12 * polarity
            scores[name] = min(1.0, (0.8 * scores[name] + boost) * fit)
        return scores

    def _overlap(self, said: set[str], example: set[str]) -> float:
        """Weighted agreement between the words said and an example's (0..1).

        Coverage of the example counts most; words the caller added that no intent knows
        ("hello love, I can never remember...") dilute it only a little.
        """
        if not said or not example:
            return 0.0
        shared = 0.0
        for word in example:
            if any(_same(word, w) for w in said):
                shared += self._weight.get(word, 1.0)
        if not shared:
            return 0.0
        whole_example = sum(self._weight.get(w, 1.0) for w in example)
        whole_said = sum(self._weight.get(w, 0.25) for w in said)
        recall = shared / whole_example
        precision = min(1.0, shared / whole_said)
        return 0.65 * recall + 0.35 * precision

    def _evidence(self, name: str, stems: list[str]) -> float:
        """How much of what was said this intent's vocabulary covers, weighted by specificity."""
        vocab = self._vocab[name]
        total = 0.0
        for word in set(stems):
            if word in vocab or (len(word) >= 5 and any(_same(word, v) for v in vocab)):
                total += self._weight.get(word, 1.0)
        return total
