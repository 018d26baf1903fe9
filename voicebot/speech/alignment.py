"""When a decode's words were said: Whisper's own alignment of its text to the audio.

A partial decode of a spelled value is made in the caller's first pause, and the council's
postcodes are in its prompt, so Whisper may finish a half-said value from the list: "M
fourteen ..." written as "M14 5RN" while the caller is still to say "five R N". Such a
decode would end the turn before the rest is said. Letters and digits the caller said take
time in the audio; ones written from the prompt have none, and the alignment squeezes them
into the quiet after the voice. Measured on the partials judged whole in
``bench/spelled_values.py`` and the tuning part of ``bench/listening.py`` (109 whole values,
one half): the last letter or digit of a whole value began 0.35 s or more before the voice
ended, the half's "T" 0.08 s after it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from voicebot.language.spoken import find_postcode
from voicebot.speech.expected import repeated, spelled_piece

FRAME_SECONDS = 0.02
"""One step of Whisper's encoder output (two 10 ms feature frames)."""
LAST_PIECE_SECONDS = 0.15
"""The least time before the voice's end that a value's last letter or digit may begin."""
ACCOUNT_DIGITS = 8
"""Digits of the demo council's account numbers: a longer number is judged at its eighth
digit (an earlier piece, so never given up wrongly), a shorter one at its last."""


def last_piece_start(model: Any, tokenizer: Any, encoded: np.ndarray, prompt: list[int],
                     text: str, seconds: float, expect: str | None = None) -> float | None:
    """Seconds into the audio where the value's last piece begins (None when the text holds
    no piece): the token that completes the first whole value, since the prompt's list may
    go on after it ("LS6 2QT, LS6 2QT,"); failing one, the last token with a digit or in
    capitals ("5", "RN"; not the "Marin" Whisper may write after it)."""
    ids = tokenizer.encode(" " + text.strip())
    tokens = [tokenizer.decode([token]) for token in ids]
    last = _completing(tokens, expect)
    if last is None:
        pieces = [k for k, token in enumerate(tokens) if spelled_piece(token.strip())]
        if not pieces:
            return None
        last = pieces[-1]
    aligned = model.align(repeated(encoded, 1), prompt, [ids], [max(1, int(seconds * 100))])[0]
    starts = [time for index, time in aligned.alignments if index == last]
    return min(starts) * FRAME_SECONDS if starts else None


def said_before_the_pause(model: Any, tokenizer: Any, encoded: np.ndarray, prompt: list[int],
                          text: str, seconds: float, pause: float, expect: str | None = None
                          ) -> bool:
    """Whether the value's last letter or digit began in the voice, not in the ``pause``
    that ends the audio."""
    start = last_piece_start(model, tokenizer, encoded, prompt, text, seconds, expect)
    return start is None or start <= seconds - pause - LAST_PIECE_SECONDS


def _completing(tokens: list[str], expect: str | None) -> int | None:
    """The token with which the words first hold a whole postcode, or the eighth digit."""
    for index in range(len(tokens)):
        said = "".join(tokens[: index + 1])
        if expect == "postcode" and find_postcode(said) is not None:
            return index
        if expect == "account" and sum(c.isdigit() for c in said) >= ACCOUNT_DIGITS:
            return index
    return None
