"""Reference numbers as British callers say them: table-driven."""

from __future__ import annotations

import pytest

from voicebot.language.digits import correct, restart, spoken_digits
from voicebot.language.spoken import changes_mind, normalise


@pytest.mark.parametrize(("said", "digits"), [
    # zero as oh, nought, nil
    ("four oh oh one nine two eight three", "40019283"),
    ("four nought nought one, nine two eight three", "40019283"),
    ("four nil nil one", "4001"),
    ("oh, it's four oh oh one", "4001"),
    # double and triple
    ("four double oh one nine two eight three", "40019283"),
    ("triple two one", "2221"),
    ("treble five", "555"),
    # groups
    ("forty, oh one, ninety-two, eighty-three", "40019283"),
    ("four hundred and one", "401"),
    ("a hundred and five", "105"),
    ("four hundred, nineteen, two eight three", "40019283"),
    ("four thousand and one, nine two eight three", "40019283"),
    ("two thousand four hundred and one", "2401"),
    ("nineteen eighty", "1980"),
    # self-repair
    ("four five... no, four six", "46"),
    ("four five, no, six", "46"),
    ("four oh oh two... no, four oh oh one, nine two eight three", "40019283"),
    ("four oh oh one nine two... sorry, nine two eight three", "40019283"),
    ("4001 9283 I mean 9284", "40019284"),
    ("four five sorry", "45"),
    # false starts
    ("f-four oh oh one", "4001"),
    ("fo- four oh oh one", "4001"),
    ("four- four oh oh one", "4001"),
    # sound-alikes, only among digits
    ("Four nero nero one. Nine too eight free.", "40019283"),
    ("won two tree four fife", "12345"),
    ("nine ate seven", "987"),
    ("four fine", "4"),  # "fine" is one slip from both five and nine: left alone
    ("I want to pay for my bin", ""),
    # already digits
    ("4 0 0 1, 9 2 8 3", "40019283"),
    ("my account number is 40019283", "40019283"),
])
def test_spoken_digits(said: str, digits: str) -> None:
    assert spoken_digits(said) == digits
    assert spoken_digits(normalise(said)) == digits


@pytest.mark.parametrize(("before", "after", "result"), [
    ("45", "46", "46"),
    ("45", "6", "46"),
    ("400192", "9283", "40019283"),
    ("40019283", "9284", "40019284"),
    ("4001", "40019283", "40019283"),
])
def test_a_correction_restarts_where_it_can_begin(before: str, after: str, result: str) -> None:
    assert restart(before, after) == result


@pytest.mark.parametrize(("value", "part", "result"), [
    ("40019284", "9283", "40019283"),
    ("40029283", "4001", "40019283"),
    ("40019283", "44", "44019283"),
    ("40019283", "9283", None),  # repeated as it was: nothing says which digit is wrong
    ("40019283", "40019284", "40019284"),
    ("40019283", "40019283", None),
])
def test_the_part_read_back_wrongly(value: str, part: str, result: str | None) -> None:
    assert correct(value, part) == result


@pytest.mark.parametrize(("said", "changing"), [
    ("Actually, sorry, it's about my council tax.", True),
    ("hang on, I need to report a missed bin", True),
    ("sorry, I meant when is my bin day", True),
    ("no, it's the recycling", True),
    ("it is regarding my bins", True),
    ("L S six two Q T", False),
    ("twenty one Hawthorn Close", False),
    ("yes that's right", False),
])
def test_a_change_of_mind_is_announced(said: str, changing: bool) -> None:
    assert changes_mind(said) is changing
