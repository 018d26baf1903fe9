"""The routing policy, from a table: rankings in, the request taken (or none) out."""

from __future__ import annotations

import pytest

from voicebot.flows.policy import (
    RULES,
    Kind,
    Situation,
    clear_request,
    options,
    request,
    sure_words,
)
from voicebot.language.intents import IntentScore

OPEN, ANSWERING, CHANGING = Situation.OPEN, Situation.ANSWERING, Situation.CHANGING


def ranked(*pairs: tuple[str, float]) -> list[IntentScore]:
    return [IntentScore(name, score) for name, score in pairs]


CASES = [
    # situation, globals, services, expected (kind, intent) or None
    (OPEN, [("agent", 0.85)], [("bin_day", 0.5)], ("global", "agent")),
    (OPEN, [("agent", 0.85)], [("bin_day", 0.9)], ("service", "bin_day")),
    (OPEN, [("agent", 0.70), ("menu", 0.5)], [("bin_day", 0.6)], ("global", "agent")),
    (OPEN, [("agent", 0.70), ("menu", 0.66)], [("bin_day", 0.3)], None),
    (OPEN, [("agent", 0.66)], [("bin_day", 0.62)], ("service", "bin_day")),
    (OPEN, [("menu", 0.3)], [("bin_day", 0.62), ("missed_bin", 0.5)], ("service", "bin_day")),
    (OPEN, [("menu", 0.3)], [("bin_day", 0.70), ("missed_bin", 0.68)], None),
    (OPEN, [("menu", 0.3)], [("bin_day", 0.70), ("missed_bin", 0.66)], ("service", "bin_day")),
    (OPEN, [("menu", 0.3)], [("bin_day", 0.61)], None),
    (OPEN, [("menu", 0.3)], [("out_of_scope", 0.8), ("bin_day", 0.4)],
     ("out_of_scope", "out_of_scope")),
    (ANSWERING, [("agent", 0.79)], [("bin_day", 0.2)], None),
    (ANSWERING, [("agent", 0.80)], [("bin_day", 0.9)], ("global", "agent")),
    (ANSWERING, [("menu", 0.3)], [("council_tax_balance", 0.77), ("pay", 0.5)], None),
    (ANSWERING, [("menu", 0.3)], [("council_tax_balance", 0.80), ("pay", 0.5)],
     ("service", "council_tax_balance")),
    (ANSWERING, [("menu", 0.3)], [("council_tax_balance", 0.80), ("pay", 0.76)], None),
    (CHANGING, [("menu", 0.3)], [("council_tax_balance", 0.70), ("pay", 0.57)],
     ("service", "council_tax_balance")),
    (CHANGING, [("agent", 0.7)], [("bin_day", 0.2)], None),
    (OPEN, [], [], None),
    # a person asked for about a topic whose services are unclear: the person
    (OPEN, [("agent", 0.76), ("menu", 0.15)],
     [("council_tax_discount", 0.78), ("council_tax_balance", 0.76)], ("global", "agent")),
    (OPEN, [("menu", 0.62), ("repeat", 0.42)],
     [("council_tax_balance", 0.84), ("council_tax_pay", 0.81)], None),
    (ANSWERING, [("agent", 0.76), ("menu", 0.15)],
     [("council_tax_discount", 0.78), ("council_tax_balance", 0.75)], None),
]


@pytest.mark.parametrize(("situation", "globals_", "services", "expected"), CASES)
def test_the_request_taken(situation: Situation, globals_: list[tuple[str, float]],
                           services: list[tuple[str, float]],
                           expected: tuple[str, str] | None) -> None:
    found = request(ranked(*globals_), ranked(*services), situation)
    assert (None if found is None else (found.kind, found.intent)) == expected


UNSERVED = [
    # words said, globals, services, expected: a whole sentence nearest the out-of-scope
    # examples is out of scope when it reads best as out of scope in both rankings, though
    # not surely so, even when a served intent is close behind.
    (6, [("agent", 0.42)], [("out_of_scope", 0.58), ("council_tax_move", 0.49)],
     ("out_of_scope", "out_of_scope")),
    (3, [("agent", 0.42)], [("out_of_scope", 0.58), ("council_tax_move", 0.49)],
     ("out_of_scope", "out_of_scope")),
    (2, [("agent", 0.42)], [("out_of_scope", 0.58), ("council_tax_move", 0.49)], None),
    (6, [("agent", 0.42)], [("out_of_scope", 0.48), ("council_tax_move", 0.30)], None),
    (6, [("menu", 0.61)], [("out_of_scope", 0.70), ("bin_day", 0.66)],
     ("out_of_scope", "out_of_scope")),
    # Close behind a served reading that is itself unsure (under 0.70, within 0.10): out
    # of scope ("I want a refund from Argos": paying 0.63, out of scope 0.59).
    (6, [("agent", 0.3)], [("bin_day", 0.58), ("out_of_scope", 0.57)],
     ("out_of_scope", "out_of_scope")),
    (6, [("agent", 0.51)], [("council_tax_pay", 0.61), ("out_of_scope", 0.59)],
     ("out_of_scope", "out_of_scope")),
    (6, [("agent", 0.62)], [("out_of_scope", 0.58), ("bin_day", 0.3)],
     ("out_of_scope", "out_of_scope")),
    # ... but not behind a likely one, nor behind two served readings, nor far behind, nor
    # when itself unlikely.
    (6, [("agent", 0.3)], [("missed_bin", 0.69), ("bin_day", 0.67), ("out_of_scope", 0.59)],
     None),
    (6, [("agent", 0.3)], [("missed_bin", 0.71), ("bin_day", 0.69), ("out_of_scope", 0.69)],
     None),
    (6, [("agent", 0.3)], [("bin_day", 0.61), ("homeless_tonight", 0.58),
                           ("out_of_scope", 0.50)], None),
    (6, [("agent", 0.3)], [("bin_day", 0.52), ("out_of_scope", 0.49)], None),
    (6, [("menu", 0.66), ("repeat", 0.63)], [("bin_day", 0.41), ("out_of_scope", 0.55)],
     None),
]


GLOBAL_OVER_UNSERVED = [
    # A likely request that works anywhere is served here, though an unserved reading is as
    # near ("one more time please" near "what time is it please").
    (5, [("repeat", 0.64), ("agent", 0.57)], [("out_of_scope", 0.65), ("council_tax_pay", 0.55)],
     ("global", "repeat")),
    (5, [("menu", 0.63)], [("out_of_scope", 0.65), ("bin_day", 0.3)], ("global", "menu")),
    # ... but not an unlikely one, nor one well behind, nor a person as near as an unserved
    # request ("where's the council office", "put me through to the gas board").
    (5, [("repeat", 0.60)], [("out_of_scope", 0.62), ("council_tax_pay", 0.55)],
     ("out_of_scope", "out_of_scope")),
    (5, [("goodbye", 0.64)], [("out_of_scope", 0.71), ("bin_day", 0.3)],
     ("out_of_scope", "out_of_scope")),
    (5, [("agent", 0.71)], [("out_of_scope", 0.72), ("council_tax_move", 0.67)],
     ("out_of_scope", "out_of_scope")),
    (5, [("agent", 0.70)], [("out_of_scope", 0.74), ("council_tax_pay", 0.34)],
     ("out_of_scope", "out_of_scope")),
]


@pytest.mark.parametrize(("words", "globals_", "services", "expected"), GLOBAL_OVER_UNSERVED)
def test_a_likely_global_request_is_not_out_of_scope(
        words: int, globals_: list[tuple[str, float]], services: list[tuple[str, float]],
        expected: tuple[str, str] | None) -> None:
    found = request(ranked(*globals_), ranked(*services), OPEN, words)
    assert (None if found is None else (found.kind, found.intent)) == expected


@pytest.mark.parametrize(("words", "globals_", "services", "expected"), UNSERVED)
def test_a_whole_sentence_about_something_else_is_out_of_scope(
        words: int, globals_: list[tuple[str, float]], services: list[tuple[str, float]],
        expected: tuple[str, str] | None) -> None:
    found = request(ranked(*globals_), ranked(*services), OPEN, words)
    assert (None if found is None else (found.kind, found.intent)) == expected
    assert request(ranked(*globals_), ranked(*services), ANSWERING, words) is None


@pytest.mark.parametrize(("services", "offered"), [
    ([("council_tax_balance", 0.51), ("council_tax_pay", 0.43), ("x", 0.42)],
     ("council_tax_balance", "council_tax_pay")),
    ([("out_of_scope", 0.6), ("bin_day", 0.45)], ("bin_day",)),
    ([("council_tax_balance", 0.55), ("out_of_scope", 0.46), ("council_tax_pay", 0.45)],
     ("council_tax_balance", "council_tax_pay")),
    ([("bin_day", 0.39)], ()),
])
def test_clarifying_options(services: list[tuple[str, float]], offered: tuple[str, ...]) -> None:
    assert options(ranked(*services)) == offered


@pytest.mark.parametrize(("services", "complete"), [
    ([("bin_day", 1.0), ("missed_bin", 0.57)], True),
    ([("bin_day", 0.71)], False),
    ([("bin_day", 0.80), ("missed_bin", 0.76)], False),
    ([], False),
])
def test_a_clear_request_ends_the_turn_early(services: list[tuple[str, float]],
                                              complete: bool) -> None:
    assert clear_request(ranked(*services)) is complete


@pytest.mark.parametrize(("confidence", "sure"), [(0.9, True), (0.5, True), (0.49, False)])
def test_words_heard_unsurely_are_read_back(confidence: float, sure: bool) -> None:
    assert sure_words(confidence, ANSWERING) is sure


def test_every_situation_has_its_rules() -> None:
    for situation in Situation:
        kinds = {r.kind for r in RULES if r.situation == situation}
        assert {Kind.GLOBAL, Kind.SERVICE} <= kinds, situation
