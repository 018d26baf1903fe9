"""IntentRouter: which of the flows' intents a caller's words ask for, and how surely.

Two kinds of evidence make one score between 0 and 1 per intent:

* meaning: the cosine similarity between the caller's sentence and the intent's closest example,
  both embedded with all-MiniLM-L6-v2 (``language/embeddings.py``). It carries "the dustcart
  went past my house" to a missed bin though no example shares its words;
* words: keywords and meaning-carrying words heard (``language/wording.py``). They add weight
  where staff named a keyword, read negation ("wasn't collected"), and explain the choice.

A clause refusing something ("I don't want to pay, I want to know what I owe") is set aside
before either is asked, when the caller goes on to say what they do want.

The blend is mapped onto the score scale the engine's thresholds use, so that a request the
flows clearly serve lands above the routing threshold and one they do not serve lands below
it (``MEANING_FLOOR``). Without the model (not installed) the words alone decide, as before.

The examples are embedded once when the router is built (once per flow set). The caller's words
are embedded by ``prepare``, awaited by the dialogue before each turn, on the embedder's own
worker thread; ``rank`` then finds them in the cache. ``rank`` on words not prepared (tests,
``voicebot chat``, the benchmark) embeds them inline.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from voicebot.errors import ModelError
from voicebot.language.embeddings import Embedder, Vectors, shared_embedder
from voicebot.language.fillers import core_request
from voicebot.language.wording import WordRanker, content, set_aside_refusal, stem, tokens

__all__ = ["IntentRouter", "IntentScore", "IntentSpec", "content", "stem", "tokens"]

_LOGGER = logging.getLogger(__name__)

WORD_SHARE = 0.4
"""How much of the blend the word evidence carries; meaning carries the rest."""
CALIBRATION = ((0.0, 0.0), (0.3, 0.4), (0.45, 0.62), (1.0, 1.0))
"""(blend, score) knots, linear between: a blend of 0.45 is a request the flows serve and
scores 0.62, the engine's routing threshold; 0.36 scores 0.4, the least worth offering in a
clarifying question. Fitted on the dev phrasings (bench/data/intents_heldout.yaml)."""
GAP_STRETCH = 1.5
"""Score lost per unit of blend behind the leader. Sentences about one service lie close
together in meaning, so the leader's lead is stretched until the engine's margin can see it."""
BARE_ANSWER = frozenset({"yes", "yeah", "yep", "no", "nope", "nah", "thanks", "thank", "you",
                         "please", "ok", "okay", "oh", "well", "sorry"})
"""Words that together make only a yes or no: an answer, not a request. The sentence model
finds "no thanks" close to "nothing else thank you", but that says nothing about what the
caller wants, so such words are scored by their words alone, as before the model."""
FRAGMENT_WORDS = 3
FRAGMENT_STRETCH = 0.5
"""Words this few ("my bin", "the council tax") make a vector that rests on one noun: close to
every intent about it, and a little closer to one by chance. Their lead is stretched half as
much, so a fragment gets a clarifying question (and does not end the turn early). Counted
on the request alone: "it's about my bins" is the fragment "my bins"."""


@dataclass(frozen=True)
class IntentSpec:
    examples: tuple[str, ...]
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntentScore:
    intent: str
    score: float
    """0..1: how well the words match this intent."""
    words: tuple[str, ...] = ()
    """The words said that pointed here (keywords first), for explanations."""
    example: str = ""
    """The intent's example closest in meaning, when the model is in use."""


class IntentRouter:
    """Routes free text to intents; build once per flow set (the examples are embedded here)."""

    def __init__(self, intents: Mapping[str, IntentSpec],
                 embedder: Embedder | Literal["shared"] | None = "shared") -> None:
        self._intents = dict(intents)
        self._words = WordRanker({n: s.examples for n, s in self._intents.items()},
                                 {n: s.keywords for n, s in self._intents.items()})
        self._embedder = shared_embedder() if embedder == "shared" else embedder
        self._owners: list[str] = [n for n, s in self._intents.items() for _ in s.examples]
        self._texts: list[str] = [e for s in self._intents.values() for e in s.examples]
        self._matrix: Vectors | None = None
        if self._embedder is not None and self._texts:
            try:
                self._matrix = self._embedder.embed(self._texts)
            except ModelError as err:
                _LOGGER.warning("intent examples not embedded, keywords only: %s", err)

    @property
    def names(self) -> list[str]:
        return list(self._intents)

    @property
    def examples(self) -> tuple[str, ...]:
        """Every intent's examples, as written."""
        return tuple(self._texts)

    @property
    def embedder(self) -> Embedder | None:
        """The sentence model this router embeds with (None: words only)."""
        return self._embedder

    @property
    def uses_meaning(self) -> bool:
        """True when the embedding model takes part in the scores."""
        return self._matrix is not None

    async def prepare(self, texts: Sequence[str]) -> None:
        """Embed these words off the event loop, so that ``rank`` on them is cheap.

        The dialogue awaits this once per turn with the words heard (and their alternatives).
        The words are embedded as ``rank`` will read them: without a refusing clause, and
        without the hesitations and preamble around the request (``language/fillers.py``).
        """
        wanted = list(dict.fromkeys(_for_meaning(t) for t in texts if tokens(t)))
        if self._embedder is not None and self._matrix is not None and wanted:
            try:
                await self._embedder.embed_off_loop(wanted)
            except ModelError as err:
                _LOGGER.warning("caller's words not embedded, keywords only: %s", err)

    def rank(self, text: str, alternatives: Sequence[str] = ()) -> list[IntentScore]:
        """Every intent with its score, best first; the best of the text and its alternatives."""
        best: dict[str, IntentScore] = {n: IntentScore(n, 0.0) for n in self._intents}
        for candidate in (text, *alternatives):
            if not tokens(candidate):
                continue
            for score in self._score(candidate):
                if score.score > best[score.intent].score:
                    best[score.intent] = score
        return sorted(best.values(), key=lambda s: -s.score)

    def _score(self, said: str) -> list[IntentScore]:
        text = set_aside_refusal(said)
        words = self._words.score(text)
        request = core_request(text)
        meaning = None if set(tokens(text)) <= BARE_ANSWER else self._meaning(request)
        if meaning is None:
            return [IntentScore(n, w.score, w.words) for n, w in words.items()]
        blends = {n: (1 - WORD_SHARE) * meaning[n][0] + WORD_SHARE * words[n].score
                  for n in self._intents}
        lead = max(blends.values(), default=0.0)
        fragment = len(tokens(request)) <= FRAGMENT_WORDS
        stretch = GAP_STRETCH * (FRAGMENT_STRETCH if fragment else 1)
        return [IntentScore(n, _score(blend, lead, stretch), words[n].words, meaning[n][1])
                for n, blend in blends.items()]

    def _meaning(self, text: str) -> dict[str, tuple[float, str]] | None:
        """Each intent's closest example and its cosine similarity to the text."""
        if self._embedder is None or self._matrix is None:
            return None
        try:
            vector = self._embedder.embed([text])[0]
        except ModelError as err:
            _LOGGER.warning("caller's words not embedded, keywords only: %s", err)
            return None
        similarities = self._matrix @ vector
        closest: dict[str, tuple[float, str]] = {n: (0.0, "") for n in self._intents}
        for index in np.argsort(-similarities):
            owner = self._owners[index]
            if not closest[owner][1]:
                closest[owner] = (float(similarities[index]), self._texts[index])
        return closest


def _for_meaning(said: str) -> str:
    """The words the sentence model is given: the request alone."""
    return core_request(set_aside_refusal(said))


def _score(blend: float, lead: float, stretch: float) -> float:
    """The calibrated score of one intent's blend, stretched below the leading blend."""
    knots, scores = zip(*CALIBRATION, strict=True)
    own = float(np.interp(blend, knots, scores))
    stretched = float(np.interp(lead, knots, scores)) - stretch * (lead - blend)
    return max(0.0, min(1.0, own, stretched))
