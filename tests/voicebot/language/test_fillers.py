"""The request inside a caller's words: what the sentence model is given (issue #10, round 4).

The phrasings are written for these tests; none is in the benchmark's sets.
"""

from __future__ import annotations

import pytest

from voicebot.language.fillers import core_request


@pytest.mark.parametrize(("said", "core"), [
    # Hesitations, greetings and "I'm ringing because" before the request go.
    ("Erm, hiya, I'm phoning up because the brown bin's been left",
     "the brown bin's been left"),
    ("good afternoon, sorry to trouble you, the thing is I've sold the house",
     "I've sold the house"),
    ("hello there, I was wondering if I could pay by card", "I could pay by card"),
    ("oh right okay well basically we've moved", "we've moved"),
    # Inside the request: hesitations, hedges and a stuttered word.
    ("the, the recycling was, um, sort of left on the path", "the recycling was, left on the path"),
    ("I I I need my balance", "I need my balance"),
    ("my- my council tax, you know, the direct debit", "my council tax, the direct debit"),
])
def test_the_request_is_what_remains(said: str, core: str) -> None:
    assert core_request(said) == core


@pytest.mark.parametrize("said", ["hello?", "erm", "yeah", "um, er, hello"])
def test_words_that_are_all_preamble_are_kept_as_they_are(said: str) -> None:
    assert core_request(said) == said


@pytest.mark.parametrize("said", [
    # Words that look like fillers but carry the request stay.
    "I'd like to pay my council tax",
    "sorry, what did you say",
    "is it my bin day",
])
def test_words_that_carry_the_request_stay(said: str) -> None:
    assert core_request(said) == said
