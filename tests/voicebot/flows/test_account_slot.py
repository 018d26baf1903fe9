"""The account slot holds only a real account number, matched whole; nothing card-like gets in.

Run through the real dialogue over the real flows and the demo council's data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from voicebot.council.actions import Services
from voicebot.council.data import CouncilData
from voicebot.events import CallEvent
from voicebot.flows.actions import CallerTurn, Listen, Say
from voicebot.flows.conversation_tests import AlwaysOpen, fixed_today
from voicebot.flows.engine import Dialogue
from voicebot.flows.registry import build
from voicebot.flows.schema import SlotDef
from voicebot.flows.slots import parse_slot
from voicebot.language.digits import spoken_digits
from voicebot.privacy import card_in

ROOT = Path(__file__).resolve().parents[3]


async def at_account_prompt(tmp_path: Path) -> tuple[Dialogue, list[CallEvent]]:
    council = CouncilData.load(ROOT / "seeds", today=fixed_today)
    services = Services(council, tmp_path / "c.db")
    built = build(ROOT / "flows", services.actions, ["general", "bins", "council_tax"])
    assert not isinstance(built, list)
    events: list[CallEvent] = []
    dialogue = Dialogue(built, services, events.append, "CA1", AlwaysOpen())
    await dialogue.start()
    await dialogue.hear(CallerTurn(text="how much council tax do I owe"))
    return dialogue, events


def said(actions: list[object]) -> str:
    return " ".join(a.text for a in actions if isinstance(a, Say))


def asked(actions: list[object]) -> str | None:
    listen = next((a for a in actions if isinstance(a, Listen)), None)
    return listen.expect.slot_type if listen else None


@pytest.mark.parametrize("turn", [
    CallerTurn(text="my number is 1234 4001 9283 5678"),
    CallerTurn(text="9 4 0 1 9 2 8 3 5 40019283"),
    CallerTurn(digits="400192831"),
])
async def test_a_longer_number_is_not_searched_for_an_account(tmp_path: Path,
                                                              turn: CallerTurn) -> None:
    dialogue, _ = await at_account_prompt(tmp_path)
    actions = await dialogue.hear(turn)
    assert "4 0 0 1, 9 2 8 3" not in said(actions) and "4 0 0, 1 9 2, 8 3" not in said(actions)
    assert asked(actions) == "account" and "account" not in dialogue.slots


@pytest.mark.parametrize("turn", [
    CallerTurn(text="it's 4556 7375 8689 9855"),
    CallerTurn(text="forty five fifty six seventy three seventy five eighty six eighty nine "
                    "ninety eight fifty five"),
    CallerTurn(digits="45567375"),
])
async def test_no_card_number_or_piece_of_one_becomes_the_account(tmp_path: Path,
                                                                  turn: CallerTurn) -> None:
    dialogue, events = await at_account_prompt(tmp_path)
    actions = await dialogue.hear(turn)
    assert asked(actions) == "account" and "account" not in dialogue.slots
    assert not any("4556" in str(e.data) or "4 5 5" in str(e.data) for e in events)
    assert "4 5 5" not in said(actions)


async def test_the_real_account_number_is_taken(tmp_path: Path) -> None:
    dialogue, _ = await at_account_prompt(tmp_path)
    actions = await dialogue.hear(CallerTurn(digits="40019283"))
    assert asked(actions) == "postcode" and dialogue.slots["account"] == "40019283"


def test_a_card_only_in_a_decode_that_ran_on_does_not_lose_the_number_heard() -> None:
    """A beam that ran on ("4.0042.0004.0004...") can hold a Luhn-valid run by chance: it is
    passed over, while a card in the best hearing, or around the number, still stops it."""
    council = CouncilData.load(ROOT / "seeds", today=fixed_today)
    slot = SlotDef(type="account", digits=8)
    ran_on = "It's 4. 0042. 0004. 0004. 0004. 0004."
    assert card_in(spoken_digits(ran_on))
    taken = parse_slot(slot, ["It's 40042740.", ran_on], council, {})
    assert taken.value == "40042740"
    card = "it's 4556 7375 8689 9855"
    assert parse_slot(slot, [card, "4556 7375"], council, {}).value is None
    assert parse_slot(slot, ["4556 7375", card], council, {}).value is None
