"""Word evidence for intents: the keyword and fuzzy half of the intent router.

Each intent has example phrasings and keywords written by council staff. Three kinds of evidence
are combined into one score between 0 and 1, and the words that gave it are kept, so the router
can say which words pointed where:

* similarity to the closest example, compared on the words that carry meaning (so "I want to
  check my refuse day" is not pulled towards "I want to check my council tax account" by the
  words "I want to check my");
* keywords heard (a keyword of several words needs all of them), forgiving of endings
  ("collected", "collection") and of small misspellings in longer words ("installment");
* the meaning-carrying words the caller used that this intent's examples and keywords also use,
  each weighted by how specific it is to the intent (a word every intent shares counts little).

Without the embedding model this is the whole router; with it, this is one part of the score
and the explanation.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

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
class WordScore:
    score: float
    """0..1: how well the words match the intent's examples and keywords."""
    words: tuple[str, ...]
    """The words said that pointed at the intent: keywords heard, then its vocabulary."""


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


_REFUSAL = re.compile(
    r"\b(?:i\s+(?:do\s+not|don'?t)\s+(?:want|need|wish)\s+to"
    r"|i'?m\s+not\s+(?:ringing|calling|phoning|asking)\s+(?:to|about|for)"
    r"|(?:it'?s|it\s+is|this\s+is)\s+not\s+(?:about|for)|it\s+isn'?t\s+(?:about|for)"
    r"|not\s+about)\b"
    r"[^,.;!?]*?(?:[,.;!?]|\s+but\b|(?=\s+(?:i|i'?m|i'?d|my)\s+(?:just|only|want|need|would)\b))",
    re.IGNORECASE)
"""A clause that says what the caller does *not* want, ended by a pause or by "but", "I just",
"I want" ("I don't want to pay, I want to know what I owe")."""


def set_aside_refusal(text: str) -> str:
    """The words without a clause that refuses something, when anything is left after it.

    "It's not about my bin day, my bin wasn't emptied" asks about a missed bin; read whole, the
    words "bin day" would pull the other way.
    """
    rest = _REFUSAL.sub(" ", text)
    return " ".join(rest.split()) if tokens(rest) else text


def _negated(text: str) -> bool:
    return any(w in _NEGATIONS for w in tokens(text))


class WordRanker:
    """Scores text against each intent's examples and keywords; build once per flow set."""

    def __init__(self, examples: Mapping[str, Sequence[str]],
                 keywords: Mapping[str, Sequence[str]]) -> None:
        self._names = list(examples)
        self._examples: list[tuple[str, str, str, bool]] = []
        """(owner, example as content stems, example as plain words, negated)."""
        self._keywords: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        """Per intent: (the keyword as staff wrote it, its stems)."""
        self._vocab: dict[str, set[str]] = {}
        for name in self._names:
            vocab: set[str] = set()
            for example in examples[name]:
                stems = content(example)
                vocab.update(stems)
                self._examples.append((name, " ".join(stems), " ".join(tokens(example)),
                                       _negated(example)))
            found = [(k, tuple(stem(w) for w in tokens(k))) for k in keywords.get(name, ())]
            self._keywords[name] = [(k, stems) for k, stems in found if stems]
            for _, keyword in self._keywords[name]:
                vocab.update(w for w in keyword if w not in _STOP)
            self._vocab[name] = vocab
        self._negative = {
            name: sum(e[3] for e in self._examples if e[0] == name)
            / max(1, sum(1 for e in self._examples if e[0] == name))
            for name in self._names}
        """The share of each intent's examples that are negative ("bin wasn't emptied")."""
        spread = Counter(word for vocab in self._vocab.values() for word in vocab)
        count = max(len(self._names), 1)
        self._weight = {word: math.log(1 + count / n) / math.log(1 + count)
                        for word, n in spread.items()}
        """1 for a word only one intent uses, less the more intents share it."""
        self._known = {w for _, example, _, _ in self._examples for w in example.split()}
        self._known.update(w for found in self._keywords.values() for _, k in found for w in k)
        self._long = sorted(w for w in self._known if len(w) >= 5)
        """Known words long enough to be forgiven a small misspelling."""

    def score(self, text: str) -> dict[str, WordScore]:
        """Every intent's score for these words, with the words that earned it."""
        plain = " ".join(tokens(text))
        if not plain:
            return {name: WordScore(0.0, ()) for name in self._names}
        said_words: dict[str, str] = {}
        """Each meaning-carrying stem said, with the word the caller used for it."""
        for word in tokens(text):
            if word not in _STOP:
                said_words.setdefault(stem(word), word)
        said = set(said_words)
        near = self._near(list(said_words))
        said_match = set().union(*near.values())
        closest: dict[str, float] = {name: 0.0 for name in self._names}
        for owner, example, example_plain, _ in self._examples:
            overlap = self._overlap(said, said_match, set(example.split()))
            whole = fuzz.ratio(plain, example_plain) / 100
            closest[owner] = max(closest[owner], 0.8 * overlap + 0.2 * whole, whole)
        unstemmed = self._near([w for w in tokens(text) if w not in said])
        heard_match = set().union(*near.values(), *unstemmed.values())
        negated = _negated(text)
        heard = self._hits(heard_match)
        scores: dict[str, WordScore] = {}
        for name in self._names:
            hits = heard[name]
            found = self._evidence(name, near)
            boost = 0.22 + 0.08 * min(len(hits) - 1, 2) if hits else 0.0
            boost += 0.06 * min(sum(found.values()), 1.5)
            # "wasn't collected" asks for something else than "collected": an intent whose
            # examples are mostly negative suits a negative request, and the other way round.
            polarity = self._negative[name]
            fit = 0.88 + 0.12 * polarity if negated else 1.0 - 0.12 * polarity
            words = tuple(dict.fromkeys([*hits, *(said_words[w] for w in found)]))
            scores[name] = WordScore(min(1.0, (0.8 * closest[name] + boost) * fit), words)
        return scores

    def _hits(self, heard: set[str]) -> dict[str, list[str]]:
        """Each intent's keywords heard, less those heard only as part of another intent's
        longer keyword: "wasn't collected" is a missed bin's keyword, and the "collected" in it
        is no evidence for collection days."""
        found = {name: [(written, set(keyword)) for written, keyword in self._keywords[name]
                        if all(w in heard for w in keyword)] for name in self._names}
        longer = [(name, words) for name, hits in found.items() for _, words in hits]
        return {name: [written for written, words in hits
                       if not any(other != name and words < bigger for other, bigger in longer)]
                for name, hits in found.items()}

    def _near(self, words: list[str]) -> dict[str, set[str]]:
        """Each word with the known words it counts as: itself, and (for words of 5 letters or
        more) known words within a small misspelling ("installment", "instalment")."""
        near: dict[str, set[str]] = {}
        for word in words:
            same = {word} if word in self._known else set()
            if len(word) >= 5:
                same.update(m[0] for m in process.extract(
                    word, self._long, scorer=fuzz.ratio, score_cutoff=FUZZY_WORD, limit=None))
            near[word] = same
        return near

    def _overlap(self, said: set[str], matched: set[str], example: set[str]) -> float:
        """Weighted agreement between the words said and an example's (0..1).

        ``matched`` holds the known words the caller said (or nearly). Coverage of the example
        counts most; words the caller added that no intent knows ("hello love, I can never
        remember...") dilute it only a little.
        """
        if not said or not example:
            return 0.0
        shared = sum(self._weight.get(word, 1.0) for word in example if word in matched)
        if not shared:
            return 0.0
        whole_example = sum(self._weight.get(w, 1.0) for w in example)
        whole_said = sum(self._weight.get(w, 0.25) for w in said)
        recall = shared / whole_example
        precision = min(1.0, shared / whole_said)
        return 0.65 * recall + 0.35 * precision

    def _evidence(self, name: str, near: dict[str, set[str]]) -> dict[str, float]:
        """The words said that this intent's vocabulary covers, weighted by specificity."""
        vocab = self._vocab[name]
        return {word: self._weight.get(word, 1.0) for word, same in near.items()
                if word in vocab or (len(word) >= 5 and same & vocab)}
