"""Scoring one hearing of one utterance: missed, first word lost, split, WER, slot values, delay."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.asr_wer import edit_distance
from bench.hearing import Hearing, Turn
from bench.line import OnTheLine
from bench.questions import slot_value
from voicebot.language.spoken import words_to_digits, yes_or_no

WORD_KINDS = {"postcode": "postcode", "account": "account"}
ONSET_SLACK = 0.04
"""A window and a bit: the listener's clock runs in 32 ms windows behind 20 ms frames."""


@dataclass
class Score:
    missed: bool
    false_turns: int
    split: bool
    first_word_lost: bool
    onset_cut: bool
    """The turn's audio begins after the speech did (the listener lost the first word, not
    Whisper); a missed utterance counts."""
    errors: int
    words: int
    value_right: bool | None
    """Postcode or account number exactly right (None when the phrase has none)."""
    end_delay: float | None
    """Seconds from the end of speech to the end of the turn."""
    answer_delay: float | None
    """Seconds from the end of speech to the transcript being ready."""
    text: str


def score(hearing: Hearing, line: OnTheLine, reference: str, kind: str, value: str) -> Score:
    mine = [t for t in hearing.turns if t.started >= line.listen_from]
    false = [t for t in mine if 0 <= t.ended < line.speech_on - 0.05]
    target = [t for t in mine if t not in false and t.started <= line.speech_off + 0.5]
    text = " ".join(t.text for t in target if t.text)
    ref, hyp = words(reference), words(text)
    errors = edit_distance(ref, hyp) if target else len(ref)
    last = target[-1] if target else None
    return Score(
        missed=not target,
        false_turns=len(false),
        split=len(target) > 1,
        first_word_lost=bool(ref) and (not target or first_deleted(ref, hyp)),
        onset_cut=not target or bool(target[0].audio_from > line.speech_on + ONSET_SLACK),
        errors=errors,
        words=len(ref),
        value_right=_value_right(target, kind, value),
        end_delay=last.ended - line.speech_off if last and last.ended >= 0 else None,
        answer_delay=last.answered - line.speech_off if last and last.answered >= 0 else None,
        text=text,
    )


def words(text: str) -> list[str]:
    """Words for scoring, with a spelled value as one token on both sides: "L S 6, 2 Q T",
    "LS6 2QT" and "4-0-0-1 9283" read the same however Whisper spaced them."""
    merged: list[str] = []
    run = False
    spoken = words_to_digits(text.replace("'", "").replace("-", " "))
    for word in re.findall(r"[A-Za-z0-9]+", spoken):
        piece = any(c.isdigit() for c in word) or (word.isupper() and len(word) <= 3) or (
            len(word) == 1 and word.lower() not in {"a", "i"})
        if piece and run:
            merged[-1] += word.lower()
        else:
            merged.append(word.lower())
        run = piece
    return merged


def _value_right(target: list[Turn], kind: str, value: str) -> bool | None:
    if kind not in WORD_KINDS or not value:
        return None
    if not target:
        return False
    first = target[0]  # the product acts on the first turn
    if not first.heard and not _complete(kind, first.text):
        return False
    return slot_value(kind, [first.text, *first.alternatives]) == value


def _complete(kind: str, text: str) -> bool:
    """Whether a doubtful transcript still makes a whole answer (the session passes it on)."""
    if kind == "yes_no":
        return yes_or_no(text) is not None
    return bool(slot_value(kind, [text]))


def first_deleted(ref: list[str], hyp: list[str]) -> bool:
    """True when the best alignment of ``hyp`` to ``ref`` leaves the first reference word with
    nothing heard in its place (a deletion), as when the start of speech is cut off; a word
    heard wrongly (a substitution) is a recognition error, not a lost word."""
    rows, cols = len(ref) + 1, len(hyp) + 1
    cost = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        cost[i][0] = i
    for j in range(cols):
        cost[0][j] = j
    for i in range(1, rows):
        for j in range(1, cols):
            cost[i][j] = min(cost[i - 1][j] + 1, cost[i][j - 1] + 1,
                             cost[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]))
    i, j = len(ref), len(hyp)
    while i > 0:
        if j > 0 and cost[i][j] == cost[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            if i == 1:
                return False
            i, j = i - 1, j - 1
        elif i == 1 and j > 0 and cost[i][j] == cost[i][j - 1] + 1:
            j -= 1  # an extra word heard before the first: keep looking for its match
        elif cost[i][j] == cost[i - 1][j] + 1:
            if i == 1:
                return True
            i -= 1
        else:
            j -= 1
    return True
