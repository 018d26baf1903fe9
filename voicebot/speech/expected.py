"""Recognition that uses what the bot expects: digits for an account number, the council's own
postcodes for a postcode.

Whisper base alone gets a spelled postcode or a long digit string wrong often enough to matter
(it hears "LS6 LF6", drops a digit, writes "for" for "four"). Two things help, both measured with
bench/listening.py:

* **Account numbers** are decoded with every token suppressed except digits, a few words a
  caller says around them ("my account number is", "double", "oh", digit words) and
  punctuation, so the decoder cannot wander into words that sound alike.
* **Postcodes** are rescored: the council postcodes closest to what was decoded are each
  written into the decoded sentence in place of what was heard there, and every such reading
  is scored against the audio by forced decoding (each reading is the decoder's prefix, and
  its distribution at every position gives the reading's probability, end of text included).
  The best reading wins if the audio supports it nearly as well as the free decode; otherwise
  the free decode stands, so a postcode from outside the area is still heard as said.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from voicebot.language.spoken import find_postcode
from voicebot.speech.base import Transcript

ACCOUNT_WORDS = ("my", "account", "number", "is", "it's", "its", "double", "triple", "oh",
                 "nought", "zero", "one", "two", "three", "four", "five", "six", "seven",
                 "eight", "nine", "the", "yes", "um", "er")
"""Words allowed in an account-number decode besides digits."""
SPELLED = frozenset({"postcode", "account"})
"""Slot types callers spell out piece by piece, pausing between pieces."""
_PUNCTUATION = (",", ".", "-", "?")
_DIGIT_WORDS = {"zero": "0", "oh": "0", "nought": "0", "one": "1", "two": "2", "three": "3",
                "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}


@dataclass(frozen=True)
class RescoreOptions:
    closest: int = 10
    """How many council postcodes, nearest to the decoded text, are scored against the audio."""
    margin: float = 2.5
    """Log-probability the best council postcode may trail the free decode by and still win."""


def digits_only_suppression(tokenizer: Any) -> list[int]:
    """Every text token that is not a digit string, an account word or punctuation."""
    allowed: set[int] = set()
    for word in ACCOUNT_WORDS:
        allowed.update(tokenizer.encode(" " + word))  # may be pieces (" n", "ought")
        for form in (word, word.capitalize(), " " + word.capitalize()):
            encoded = tokenizer.encode(form)
            if len(encoded) == 1:  # other forms only whole, so pieces cannot combine
                allowed.update(encoded)
    for mark in _PUNCTUATION:
        allowed.update(tokenizer.encode(mark))
    suppressed = []
    for token in range(tokenizer.eot):
        if token in allowed:
            continue
        if re.fullmatch(r" ?\d+", tokenizer.decode([token])):
            continue
        suppressed.append(token)
    return suppressed


def compact(text: str) -> str:
    """Letters and digits only, upper case, digit words as digits ("L S six" -> "LS6")."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "".join(_DIGIT_WORDS.get(w, w) for w in words).upper()


def holds_digits(text: str) -> bool:
    """Whether any digit is said, as a figure or a word ("Four", "4002", "oh")."""
    return any(c.isdigit() for c in compact(text))


def first_listed_value(text: str, expect: str | None, partial: bool = False) -> str | None:
    """A runaway postcode decode cut after its first piece, when that piece holds a whole
    postcode and the rest only says it again; otherwise None.

    The prompt lists the council's postcodes, and on a short window Whisper may go on after
    the caller's own ("LS6 2QT, LS6 2QT, LS6 2QT, ..."): the repeats are not the caller's, and
    cutting them costs nothing, where a decode on the full 30 s window costs about a second on
    two cores. A whole postcode only made by joining pieces ("SK4, LS6 4, ..." from "S K
    four") is not trusted; nor, in a ``partial`` decode (which may end the turn), one followed
    by other postcodes (the prompt's list recited): a final one is still weighed against the
    council's list and read back when unsure.
    """
    if expect != "postcode":
        return None
    pieces = [p for p in re.split(r"(?<=[,.;])\s+", text.strip()) if p]
    if len(pieces) < 2:
        return None
    first = find_postcode(pieces[0])
    others = {find_postcode(p) for p in pieces[1:]} - {None}
    if first is None or (partial and others - {first}):
        return None
    return pieces[0].rstrip(",;")


def whole_shaped(text: str, expect: str | None) -> bool:
    """Whether the words could be a whole answer of the expected kind: a postcode expected
    needs a whole one in them (anything else is not judged here)."""
    return expect != "postcode" or find_postcode(text) is not None


def value_piece(text: str, expect: str | None) -> bool:
    """Whether the words are only a piece of a spelled value of the expected kind ("nine",
    "L S six", "two Q T"): what a caller says between pauses while spelling one out."""
    said = compact(text)
    if expect == "account":
        return said.isdigit()
    if expect == "postcode":
        return 0 < len(said) <= 7 and any(c.isdigit() for c in said)
    return False


def heard_as_one_of(heard: str, put_right: str, candidates: Sequence[str],
                    expect: str | None) -> bool:
    """Whether what Whisper heard says one of the values, or (a postcode) a whole one that
    differs from the value the list put right by one character at most ("LF6 2QT" for
    LS6 2QT). A value put right from further away may have been made from half of one
    ("M fourteen" heard as "M14 4B, M14 4B" and put right as M14 5RN), so it does not count
    as heard."""
    if holds_one_of(heard, candidates):
        return True
    said = find_postcode(heard) if expect == "postcode" else None
    if said is None:
        return False
    held = [_packed(c) for c in candidates if _packed(c) in compact(put_right)]
    return any(Levenshtein.distance(_packed(said), c) <= 1 for c in held)


def holds_one_of(text: str, candidates: Iterable[str]) -> bool:
    """Whether ``text`` says one of the values, however it was spaced or spelled."""
    said = compact(text)
    return any(_packed(c) in said for c in candidates)


def _packed(value: str) -> str:
    """A listed value as ``compact`` writes one ("LS6 2QT" -> "LS62QT")."""
    return value.replace(" ", "").upper()


def closest(candidates: Sequence[str], hypotheses: Sequence[str], count: int,
            least: float = 50.0) -> list[str]:
    """The candidates most like any hypothesis, best first; none less alike than ``least``
    (0-100), so a caller who said "five" is never offered a whole account number."""
    heard = [c for c in (compact(h) for h in hypotheses) if c]
    if not heard:
        return []

    def likeness(candidate: str) -> float:
        target = candidate.replace(" ", "")
        return max(likeness_of(h, target) for h in heard)

    ranked = sorted(((likeness(c), c) for c in candidates), key=lambda x: -x[0])
    return [c for score, c in ranked[:count] if score >= least]


def likeness_of(heard: str, target: str) -> float:
    """How alike (0-100); a stretch inside a longer decode counts only if it is most of the
    value (a lone "0" is in every account number, and proves nothing)."""
    score = fuzz.ratio(heard, target)
    if len(heard) >= 0.6 * len(target):
        score = max(score, fuzz.partial_ratio(target, heard))
    return float(score)


def render(candidate: str, kind: str | None, heard: list[str]) -> str:
    """The value written as Whisper wrote what it replaces: an account number digit by digit
    when that was heard digit by digit, else in two groups of four."""
    if kind != "account" or not candidate.isdigit():
        return candidate
    if len(heard) >= 5:
        return " ".join(candidate)
    return f"{candidate[:4]} {candidate[4:]}" if len(candidate) == 8 else candidate


def without_remnants(reading: str, candidate: str) -> str:
    """``reading`` less any other pieces of a value besides ``candidate`` (a decode that said
    it twice, or heard half of it as something else)."""
    at = reading.find(candidate)
    if at < 0:
        return reading
    before, after = reading[:at].split(), reading[at + len(candidate) :].split()

    def plain(tokens: list[str]) -> list[str]:
        return [t for t in tokens if not any(c.isdigit() for c in t)]

    mark = after.pop(0) if after and after[0] in {".", ",", "?"} else ""
    return " ".join([*plain(before), candidate + mark, *plain(after)])


def embed(candidate: str, sentence: str, kind: str | None = None) -> tuple[str, str] | None:
    """``sentence`` with the stretch that sounds most like ``candidate`` replaced by it, and
    the candidate as written there; None when nothing in it sounds like a value."""
    tokens = sentence.split()
    target = candidate.replace(" ", "")
    best, best_span = 0.0, (len(tokens), len(tokens))
    for start in range(len(tokens)):
        for stop in range(start + 1, min(len(tokens), start + 8) + 1):
            heard = compact(" ".join(tokens[start:stop]))
            if not heard or not any(c.isdigit() for c in heard):
                continue
            score = fuzz.ratio(heard, target)
            if score > best:
                best, best_span = score, (start, stop)
    start, stop = best_span
    if best == 0.0:
        return None
    while start > 0 and spelled_piece(tokens[start - 1]):
        start -= 1  # spelled pieces next to the stretch belong to the same value
    while stop < len(tokens) and spelled_piece(tokens[stop]):
        stop += 1
    written = render(candidate, kind, tokens[start:stop])
    tail = tokens[stop - 1][-1] if tokens[stop - 1][-1] in ".,?" else ""
    return " ".join([*tokens[:start], written + tail, *tokens[stop:]]), written


def spelled_piece(token: str) -> bool:
    """A token that is part of a spelled value: digits, or capitals ("2QT", "MNBA", "Q")."""
    core = token.strip(".,?!-")
    return bool(core) and len(core) <= 4 and (
        any(c.isdigit() for c in core) or (core.isalpha() and core.isupper()))


def longest_forced(prompt: list[int], forced: int) -> int:
    """A ``max_length`` for CTranslate2's Whisper that leaves room for ``forced`` tokens and
    the step after them: with a short prompt it stops after about half of ``max_length``
    (measured: a 4-token start and ``max_length`` 16 gave 8 steps), so twice is asked."""
    return len(prompt) + 2 * forced + 8


def repeated(encoded: np.ndarray, size: int) -> Any:
    """One utterance's encoded audio as a batch of ``size`` for the decoder, one row a
    reading or prefix to be forced."""
    import ctranslate2

    return ctranslate2.StorageView.from_array(
        np.ascontiguousarray(np.repeat(encoded, size, axis=0)))


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """The decoder's logits as log-probabilities over the vocabulary (last axis)."""
    values: np.ndarray = np.asarray(logits, dtype=np.float64)
    top = values.max(axis=-1, keepdims=True)
    logs: np.ndarray = values - top - np.log(np.exp(values - top).sum(axis=-1, keepdims=True))
    return logs


class Rescorer:
    """Forced scoring of whole readings against one utterance's encoded audio."""

    def __init__(self, model: Any, tokenizer: Any, options: RescoreOptions | None = None) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.options = options or RescoreOptions()

    def best(self, encoded: np.ndarray, prompt: list[int], best: Transcript,
             candidates: Sequence[str], kind: str | None = None) -> Transcript:
        """``best`` or, when the audio supports it, the reading with one of the candidates."""
        hypotheses = [best.text, *best.alternatives]
        near = closest(candidates, hypotheses, self.options.closest)
        if not near or not best.text.strip():
            return best
        readings = [best.text]
        for candidate in near:
            placed = embed(candidate, best.text, kind)
            if placed is not None:
                readings.append(without_remnants(*placed))
        readings = list(dict.fromkeys(readings))
        if len(readings) == 1:
            return best
        ranked = self.token_scores(encoded, prompt, readings)
        finalists = [0, *sorted(range(1, len(readings)), key=lambda i: -ranked[i])[:2]]
        scores = self.scores(encoded, prompt, [readings[i] for i in finalists])
        winner = max(range(1, len(finalists)), key=lambda i: scores[i])
        if scores[winner] < scores[0] - self.options.margin:
            return best
        text = readings[finalists[winner]]
        tokens = len(self.tokenizer.encode(" " + text)) + 1
        confidence = math.exp(min(0.0, scores[winner] / tokens))
        others = tuple(dict.fromkeys(h for h in hypotheses if h != text))
        return Transcript(text, confidence, best.no_speech_probability, others,
                          heard_as=best.text)

    def token_scores(self, encoded: np.ndarray, prompt: list[int],
                     readings: list[str]) -> list[float]:
        """Log-probability of each reading's words given the audio (no end of text: a cheap
        ranking of readings that are all whole postcodes)."""
        texts = [self.tokenizer.encode(" " + r.strip()) for r in readings]
        aligned = self.model.align(repeated(encoded, len(texts)), prompt, texts,
                                   [encoded.shape[1] * 2] * len(texts))
        return [float(np.log(np.maximum(np.asarray(a.text_token_probs), 1e-12)).sum())
                for a in aligned]

    def scores(self, encoded: np.ndarray, prompt: list[int], readings: list[str]) -> list[float]:
        """Log-probability of each reading, its end of text included, given the audio.

        Each reading is given to the decoder as a forced prefix; the decoder returns its
        distribution at every position, and one step past the prefix gives the end of text.
        """
        texts = [self.tokenizer.encode(" " + r.strip()) for r in readings]
        results = self.model.generate(
            repeated(encoded, len(texts)), [prompt + t for t in texts], beam_size=1,
            max_length=longest_forced(prompt, max(len(t) for t in texts) + 1),
            return_logits_vocab=True, suppress_blank=False, suppress_tokens=[])
        totals = []
        for text, result in zip(texts, results, strict=True):
            wanted = [*text, self.tokenizer.eot]
            steps = result.logits[0][: len(wanted)]
            logs = log_softmax(np.stack([np.asarray(step) for step in steps]))
            picked = logs[np.arange(len(steps)), wanted[: len(steps)]]
            # a decoder that stopped early gives no support to the rest of the reading
            totals.append(float(picked.sum()) - 30.0 * (len(wanted) - len(steps)))
        return totals

