"""Caller speech made canonical, and values made speakable: table-driven."""

from datetime import date

import pytest

from voicebot.language.intents import IntentRouter, IntentSpec
from voicebot.language.spoken import (
    digits_in,
    find_postcode,
    normalise,
    say_date,
    say_digits,
    say_money,
    say_postcode,
    yes_or_no,
)


@pytest.mark.parametrize(("said", "postcode"), [
    ("L S six two Q T", "LS6 2QT"),
    ("LS6-2QT", "LS6 2QT"),
    ("its ls62qt", "LS6 2QT"),
    ("M14-5-RN", "M14 5RN"),
    ("my postcode is M 14, 5 R N.", "M14 5RN"),
    ("Y O 1, 7 D A", "YO1 7DA"),
    ("It is LS6 2QT thanks", "LS6 2QT"),
    ("SW1A 1AA", "SW1A 1AA"),
    ("S K four, one double A", "SK4 1AA"),
    ("it's S K 4, 1 double A please", "SK4 1AA"),
    ("W F one, three A B", "WF1 3AB"),
    ("I live at 7 Hawthorn Close", None),
    ("my account is 40019283", None),
])
def test_postcodes(said: str, postcode: str | None) -> None:
    assert find_postcode(said) == postcode


@pytest.mark.parametrize(("said", "digits"), [
    ("four oh oh one nine two eight three", "40019283"),
    ("400-19283", "40019283"),
    ("double seven five", "775"),
    ("triple two one", "2221"),
    ("4 0 0 1, 9 2 8 3", "40019283"),
    ("I want to pay for my bin", ""),
])
def test_digits(said: str, digits: str) -> None:
    assert digits_in(said) == digits


@pytest.mark.parametrize(("said", "answer"), [
    ("yes please", True), ("yeah that's right", True), ("no thanks", False), ("nope", False),
    ("that's not right", False), ("hmm I'm not sure", None),
])
def test_yes_or_no(said: str, answer: bool | None) -> None:
    assert yes_or_no(said) is answer


@pytest.mark.parametrize(("amount", "spoken"), [
    ("412.50", "four hundred and twelve pounds fifty"),
    ("1.00", "one pound"),
    ("0.50", "fifty pence"),
    ("1147.50", "one thousand, one hundred and forty-seven pounds fifty"),
    ("0.00", "zero pounds"),
])
def test_money(amount: str, spoken: str) -> None:
    assert say_money(amount) == spoken


def test_dates_postcodes_and_references_are_spoken_naturally() -> None:
    assert say_date(date(2026, 12, 2)) == "Wednesday the 2nd of December"
    assert say_date(date(2027, 1, 23), today=date(2026, 12, 2)) == (
        "Saturday the 23rd of January 2027")
    assert say_postcode("LS6 2QT") == "L S 6, 2 Q T"
    assert say_digits("40019283") == "4 0 0 1, 9 2 8 3"


def test_intent_router_ranks_by_examples_and_keywords() -> None:
    router = IntentRouter({
        "bins": IntentSpec(("when are my bins collected",), ("bin", "rubbish")),
        "tax": IntentSpec(("how much council tax do I owe",), ("council tax",)),
    })
    assert router.rank("when do you take the rubbish")[0].intent == "bins"
    ranked = router.rank("what do I owe on my council tax")
    assert ranked[0].intent == "tax" and ranked[0].score > ranked[1].score + 0.2
    assert router.rank("", ("how much council tax",))[0].intent == "tax"


@pytest.mark.parametrize(("said", "expected"), [
    ("I want to check my refuse day", "bins"),
    ("my bin wasn't emptied", "missed"),
    ("they didn't collect the recycling", "missed"),
    ("when is the recycling collected", "bins"),
    ("what do I owe", "tax"),
])
def test_intent_router_reads_meaning_words_and_negation(said: str, expected: str) -> None:
    router = IntentRouter({
        "bins": IntentSpec(("when are my bins collected", "what day is bin day"),
                           ("bin day", "collection day")),
        "missed": IntentSpec(("my bin was not collected", "they didn't empty my bin"),
                             ("missed", "not collected")),
        "tax": IntentSpec(("how much council tax do I owe",), ("owe", "balance")),
    })
    assert router.rank(normalise(said))[0].intent == expected


def test_contractions_survive_normalisation() -> None:
    assert "didn't" in normalise("they didn't take it")
    assert "wasn't" in normalise("it wasn’t emptied").replace("’", "'")
