"""The shipped flows' routing at the menu, through the product's own path (prepare, read,
routed) with the real MiniLM model: classes of request the third round of issue #10 fixed, and
the fourth round's mechanisms (a wider bank of examples, out-of-scope anchors that win by
leading, the request set apart from hesitations and preamble), and the fifth round's (out of
scope when close behind an unsure service, or in three words; a bank of requests that do not
name the service and of unserved requests in a served request's words).

The phrasings are written for these tests; none is in the benchmark's sets (checked below).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
import yaml

from voicebot.council.data import CouncilData
from voicebot.flows.actions import CallerTurn
from voicebot.flows.reading import Question, heard_words, prepare, read, routed
from voicebot.flows.registry import FlowSet

ROOT = Path(__file__).resolve().parents[3]
COUNCIL = CouncilData()

ROUTED = [
    # A bin "not picked up", or done for everyone but me, is missed, not a collection day.
    ("the paper recycling hasn't been picked up since Thursday", "missed_bin"),
    ("they emptied every bin on the lane except number nine's", "missed_bin"),
    # A timetable for the bins is a collection day.
    ("have you got a timetable for the bin collections", "bin_day"),
    # "How much", "owing", "in credit": the balance, though "pay" is said.
    ("how much is still owing on the council tax for this house", "council_tax_balance"),
    # Help to pay, or only one adult left in the house: a discount, not paying or moving.
    ("is there any help to pay the council tax when you're on a pension", "council_tax_discount"),
    ("my wife moved out last month and there's only me now", "council_tax_discount"),
    # New to the area, or closing the account: a move.
    ("we're new residents, just arrived in the borough", "council_tax_move"),
    # Rent, road gritting and energy suppliers are not served here: said so, not routed.
    ("I'm ringing to pay the rent on my council flat", "out_of_scope"),
    ("nobody has gritted the roads on our estate", "out_of_scope"),
    ("I want a cheaper gas and electric supplier", "out_of_scope"),
]


FOURTH_ROUND = [
    # Other council services and things no council does: nearer the out-of-scope anchors
    # than anything served, so said so (not a clarifying question).
    ("who looks after the overgrown hedges along the public footpath", "out_of_scope"),
    ("my little girl needs a place at the nursery on Park Road", "out_of_scope"),
    ("I'd like to speak about getting a dropped kerb for my driveway", "out_of_scope"),
    ("can you book me in for an MOT on my car", "out_of_scope"),
    ("the people next door have a bonfire every night and the smoke is awful", "out_of_scope"),
    ("I want to put in a claim for a council tax rebate on my shop's business rates",
     "out_of_scope"),
    ("I'd like the council to take away an old washing machine", "out_of_scope"),
    ("who do I ask about a pothole that burst my tyre", "out_of_scope"),
    # Served requests put in the caller's own way, long-winded or in dialect.
    ("erm, hiya, sorry to bother you, I was just ringing because, um, the, the bin lorry "
     "never stopped at ours", "missed_bin"),
    ("oh hello there, right, so basically I want to know which morning the recycling goes",
     "bin_day"),
    ("um yeah I was calling cos I need to sort out paying the council tax with my debit card",
     "council_tax_pay"),
    ("the wagon's been and gone and our grey bin's still stood there full", "missed_bin"),
    ("what's left owing on the council tax for our flat", "council_tax_balance"),
    ("I've handed the keys back on my rented flat and moved in with my daughter",
     "council_tax_move"),
    ("it's only me left in the house now my son's moved out, can the bill come down",
     "council_tax_discount"),
    ("can I get hold of an actual human please", "agent"),
    ("the landlord changed the locks while I was out and I've nowhere tonight",
     "homeless_tonight"),
    ("sorry, the line went funny, what was that", "repeat"),
]


FIFTH_ROUND = [
    # Unserved, near both an out-of-scope anchor and, no more surely, a served request: said
    # so (on main before the fifth round: a clarifying question, or a service).
    ("I want a refund on a jacket I bought online", "out_of_scope"),
    ("can you tell me if it'll be dry for the weekend", "out_of_scope"),
    ("the gas man says there's a leak, who do I ring", "out_of_scope"),
    ("how much is left on my son's school dinner account", "out_of_scope"),
    ("I've moved, how do I get my name on the voting list at the new place", "out_of_scope"),
    ("is the chemist on the high street open today", "out_of_scope"),
    # Three words are a whole request.
    ("weather forecast please", "out_of_scope"),
    # Served requests that do not name the service.
    ("what do I owe for the house this year", "council_tax_balance"),
    ("the dustcart came past and didn't stop for mine", "missed_bin"),
    ("there's water pouring out of the light fitting in the hall", "housing_repair_emergency"),
    ("somebody's smashed the back door in and it won't close", "housing_repair_emergency"),
    ("say that one more time for me", "repeat"),
    # A move's keywords no longer claim rent or looking for a care home ("rented" heard in
    # "rent"); a person asked for somewhere else is that somewhere else.
    ("hiya, yeah, it's about my rent, I'm a bit behind this month", "out_of_scope"),
    ("can you put me through to the gas board", "out_of_scope"),
    ("what's the council's email address", "out_of_scope"),
    ("I'm renting a flat from next week, do I need to tell you", "council_tax_move"),
    # Emergencies in words the bank did not have: no heat with a baby, sleeping in a car.
    ("I've got no heating or hot water and I've a newborn baby", "housing_repair_emergency"),
    ("I've been sleeping in my car", "homeless_tonight"),
]


def at_the_menu(flows: FlowSet, said: str) -> str:
    turn = CallerTurn(text=said)
    asyncio.run(prepare(flows, heard_words(turn)))
    return routed(read(turn, Question(), flows, COUNCIL))


@pytest.mark.parametrize(("said", "expected"), ROUTED)
def test_the_menu_routes_these_classes(shipped: FlowSet, said: str, expected: str) -> None:
    assert at_the_menu(shipped, said) == expected


@pytest.mark.parametrize(("said", "expected"), FOURTH_ROUND)
def test_the_menu_routes_new_phrasings(shipped: FlowSet, said: str, expected: str) -> None:
    assert at_the_menu(shipped, said) == expected


@pytest.mark.parametrize(("said", "expected"), FIFTH_ROUND)
def test_the_menu_routes_fifth_round_phrasings(shipped: FlowSet, said: str,
                                               expected: str) -> None:
    assert at_the_menu(shipped, said) == expected


def test_a_vague_request_in_a_few_words_is_not_out_of_scope(shipped: FlowSet) -> None:
    """The request alone is counted: "it's about my account" is the fragment "my account",
    which gets a clarifying question, not "I can't help with that"."""
    assert at_the_menu(shipped, "it's about my account") == "none"


def test_a_rambling_request_near_two_served_intents_is_not_out_of_scope(
        shipped: FlowSet) -> None:
    """Near both bin services, and a little less near an unserved anchor: about bins (a
    clarifying question at worst), not "I can't help with that"."""
    said = ("hiya love, it's Maureen from number twelve, the bin men have been and gone and "
            "mine's still full to the brim")
    assert at_the_menu(shipped, said) in {"missed_bin", "none"}


def test_the_sentence_model_is_given_the_request_without_its_preamble(shipped: FlowSet) -> None:
    said = "um, hello there, I'm ringing because, er, the glass box was left behind"
    embedder = shipped.router.embedder
    assert embedder is not None
    asyncio.run(prepare(shipped, heard_words(CallerTurn(text=said))))
    assert embedder.cached("the glass box was left behind")
    assert not embedder.cached(said)


def test_a_vague_council_tax_request_still_gets_a_clarifying_question(
        shipped: FlowSet) -> None:
    assert at_the_menu(shipped, "it's about the council tax") == "none"


def plain(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("'", "")))


def test_no_phrasing_here_is_in_a_benchmark_set() -> None:
    sets = sorted((ROOT / "bench" / "data").glob("intents_*.yaml"))
    assert len(sets) >= 4
    known = {plain(text) for path in sets
             for texts in yaml.safe_load(path.read_text(encoding="utf-8")).values()
             for text in texts}
    assert not [said for said, _ in (*ROUTED, *FOURTH_ROUND, *FIFTH_ROUND) if plain(said) in known]
