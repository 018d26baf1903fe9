"""The hints the product gives the listener, got from the real dialogue in the right state.

A real ``Dialogue`` over the demo council and the shipped flows is started and, for a postcode
or an account number, led to that question by what a caller would say first; its ``Listen``
action's expectation becomes ``Hints`` the way ``CallSession`` makes them. A yes/no question
uses the dialogue's own rule for a confirmation (any yes or no completes the answer).
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from voicebot.council.actions import Services
from voicebot.council.data import CouncilData
from voicebot.flows.actions import Action, CallerTurn, Expectation, Listen
from voicebot.flows.conversation_tests import AlwaysOpen
from voicebot.flows.engine import Dialogue
from voicebot.flows.registry import build
from voicebot.flows.slots import parse_slot
from voicebot.language.spoken import normalise, yes_or_no
from voicebot.speech.base import Hints

ROOT = Path(__file__).resolve().parent.parent
COUNCIL = CouncilData.load(ROOT / "seeds")
LEAD_IN = {"postcode": "When is my bin day?", "account": "What's my council tax balance?",
           "digits": "What's my council tax balance?"}
"""What a caller says first so that the dialogue asks for the slot."""


async def hints_by_kind(kinds: set[str]) -> dict[str, Hints]:
    with tempfile.TemporaryDirectory(prefix="listening-bench-") as scratch:
        return await _hints_by_kind(kinds, Services(COUNCIL, Path(scratch) / "cases.db"))


async def _hints_by_kind(kinds: set[str], services: Services) -> dict[str, Hints]:
    flows = build(ROOT / "flows", services.actions, ["general", "bins", "council_tax"])
    if isinstance(flows, list):
        raise SystemExit("flows do not load: " + "; ".join(str(p) for p in flows))
    hints = {}
    for kind in kinds:
        if kind == "yes_no":
            hints[kind] = _hints(Expectation(slot_type="yes_no"),
                                 lambda text: yes_or_no(text) is not None)
            continue
        dialogue = Dialogue(flows, services, lambda event: None, f"CA-{kind}", AlwaysOpen())
        actions = await dialogue.start()
        if kind in LEAD_IN:
            actions = await dialogue.hear(CallerTurn(text=LEAD_IN[kind]))
        hints[kind] = _hints(_expectation(actions), dialogue.is_complete)
    return hints


def _expectation(actions: list[Action]) -> Expectation:
    listens = [a for a in actions if isinstance(a, Listen)]
    if not listens:
        raise SystemExit(f"the dialogue did not ask anything: {actions}")
    return listens[-1].expect


def _hints(expect: Expectation, is_complete: object) -> Hints:
    """As ``CallSession`` builds them (fields this checkout's ``Hints`` lacks are left out, so
    the benchmark also runs against an older listener for a before/after comparison)."""
    phrases = tuple(expect.options) + tuple(expect.phrases)
    values = {"expect": expect.slot_type, "phrases": phrases, "prompt": ", ".join(phrases[:40]),
              "is_complete": is_complete,
              "candidates": tuple(getattr(expect, "candidates", ()))}
    names = {f.name for f in dataclasses.fields(Hints)}
    return Hints(**{k: v for k, v in values.items() if k in names})  # type: ignore[arg-type]


def slot_value(kind: str, texts: list[str]) -> str:
    """The postcode or account number the product would take from these hypotheses."""
    from voicebot.flows.schema import SlotDef

    slot = SlotDef(type=kind, digits=8 if kind == "account" else None)
    heard = [t for t in (normalise(x) for x in texts if x) if t]
    parsed = parse_slot(slot, heard, COUNCIL, {})
    return str(parsed.value) if parsed.value is not None else ""
