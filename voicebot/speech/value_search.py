"""Finding an account number Whisper lost: a search over the valid numbers, scored by the audio.

Whisper base hears some voices' "zero" as "Nero", "my" or nothing, and a decode restricted to
digits then stops after "Four" although the caller said eight digits. The audio still holds
them: forced through the decoder one digit at a time, the number the caller said is the most
probable of the council's (the whole tuning part of bench/listening.py, 24 of 24, by ten or
more log-probability points mostly). So when a decode holds no valid number and the caller
spoke long enough to have said one, a beam search walks the tree of valid numbers digit by
digit with the decoder's own probabilities, and the best whole number, if the audio supports
it well enough, is offered in place of what was heard, marked unsure so the dialogue always
reads it back: the search finds the likeliest valid number, not necessarily one that was said.
Its cost (one batched decoder step per digit, about 0.6 s on two cores) is paid only when a
decode failed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from voicebot.speech.base import Transcript
from voicebot.speech.expected import (
    compact,
    holds_one_of,
    log_softmax,
    longest_forced,
    render,
    repeated,
)

SECONDS_PER_DIGIT = 0.1
"""Voiced time a caller needs at least per digit before a decode is searched: a lone "four"
carries 0.4-0.5 s, not a lost account number; eight digits from a fast espeak voice carried
0.98 s (frames within 20 dB of the loudest, ``speech/levels.py:voiced_seconds``)."""
LEAST_SUPPORT = -3.1
"""Mean log-probability a token (each digit, and the end of text) the best number must have.
Measured on the tuning part: numbers said scored -0.4 to -3.06; sentences with no number at the
account question ("I don't know it", "can I speak to someone") -3.4 to -4.1, where the search
still finds the number whose digits Whisper finds likeliest; a first piece alone -3.1 to -4.0."""
SEARCHED_CONFIDENCE = 0.3
"""Confidence given to a number found by the search: under the dialogue's 0.5 for sure words
(``flows/policy.py``), so it is always read back before it is used."""


@dataclass(frozen=True)
class ValueTree:
    """The valid values as a tree of digits: what may follow each prefix, and which prefixes
    are whole values."""

    following: dict[str, tuple[str, ...]]
    whole: frozenset[str]
    lengths: frozenset[int]

    @staticmethod
    @functools.lru_cache(maxsize=4)
    def of(values: tuple[str, ...]) -> ValueTree:
        """The tree of the values that are digit strings (others cannot be spoken as digits)."""
        digits = sorted({v.replace(" ", "") for v in values if v.replace(" ", "").isdigit()})
        following: dict[str, set[str]] = {}
        for value in digits:
            for at in range(len(value)):
                following.setdefault(value[:at], set()).add(value[at])
        return ValueTree({k: tuple(sorted(v)) for k, v in following.items()}, frozenset(digits),
                         frozenset(len(v) for v in digits))


def lost_number(text: str, tree: ValueTree, voiced_seconds: float) -> bool:
    """Whether a decode looks like a number that was said but not heard: none of the valid
    values in it, from a caller who spoke long enough to have said a whole one. A whole number
    that is not on the list is searched too: unlisted, it could not be looked up anyway, and
    Whisper writes eight digits for seven heard and one made up ("402, 11102")."""
    if not tree.lengths or holds_one_of(text, tree.whole):
        return False
    return voiced_seconds >= SECONDS_PER_DIGIT * min(tree.lengths)


def lead_in(text: str) -> list[str]:
    """The words a decode had before it started on the number ("My account number is"), kept
    in front of the number found; none when it never reached a digit ("My" for "four zero")."""
    words = text.split()
    for at, word in enumerate(words):
        if any(c.isdigit() for c in compact(word)):
            return words[:at]
    return []


class ValueSearch:
    """Beam search over a ``ValueTree`` with Whisper's decoder: each digit is written as
    Whisper writes digits read one by one (" 4 0 0 2"), after the question's prompt."""

    def __init__(self, model: Any, tokenizer: Any, width: int = 8) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.width = width
        self._digit = {str(d): self.tokenizer.encode(f" {d}")[0] for d in range(10)}

    def ranked(self, encoded: np.ndarray, prompt: list[int], tree: ValueTree
               ) -> list[tuple[str, float]]:
        """Whole values with their log-probability given the audio (end of text included),
        best first; only those the beam kept."""
        beams: list[tuple[str, float]] = [("", 0.0)]
        found: list[tuple[str, float]] = []
        while beams:
            steps = self._next(encoded, prompt, [b for b, _ in beams])
            grown = []
            for (prefix, score), step in zip(beams, steps, strict=True):
                if prefix in tree.whole:
                    found.append((prefix, score + float(step[self.tokenizer.eot])))
                grown += [(prefix + d, score + float(step[self._digit[d]]))
                          for d in tree.following.get(prefix, ())]
            beams = sorted(grown, key=lambda b: -b[1])[: self.width]
        return sorted(found, key=lambda f: -f[1])

    def recover(self, encoded: np.ndarray, prompt: list[int], lost: Transcript,
                tree: ValueTree) -> Transcript:
        """The best valid number in place of a decode that lost one (``lost`` when none)."""
        ranked = self.ranked(encoded, prompt, tree)
        if not ranked:
            return lost
        value, score = ranked[0]
        per_token = score / (len(value) + 1)
        if per_token < LEAST_SUPPORT:
            return lost
        written = " ".join([*lead_in(lost.text), render(value, "account", [])])
        confidence = min(SEARCHED_CONFIDENCE, math.exp(per_token))
        # No alternatives: the product reads the value from every hypothesis, and the lost
        # decode's ("4,000,000,000,...") would contradict the number found.
        return Transcript(written, confidence, lost.no_speech_probability, (),
                          heard_as=lost.heard_as or lost.text)

    def _next(self, encoded: np.ndarray, prompt: list[int], prefixes: list[str]
              ) -> list[np.ndarray]:
        """The decoder's log-probabilities for the token after each prefix of digits."""
        forced = [[self._digit[d] for d in prefix] for prefix in prefixes]
        results = self.model.generate(
            repeated(encoded, len(prefixes)), [prompt + f for f in forced], beam_size=1,
            max_length=longest_forced(prompt, len(forced[0])), return_logits_vocab=True,
            suppress_blank=False, suppress_tokens=[])
        return [log_softmax(np.asarray(result.logits[0][len(digits)]))
                for digits, result in zip(forced, results, strict=True)]
