"""One pure reading per turn: the real flows and demo council, words in, a Reading out."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicebot.council.actions import Services
from voicebot.council.data import CouncilData
from voicebot.errors import DataError
from voicebot.flows.actions import CallerTurn
from voicebot.flows.conversation_tests import fixed_today
from voicebot.flows.reading import Question, Reading, explain, read, routed
from voicebot.flows.registry import FlowSet, build
from voicebot.flows.state import CallState, Mode

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory) -> tuple[FlowSet, CouncilData]:
    council = CouncilData.load(ROOT / "seeds", today=fixed_today)
    scratch = tmp_path_factory.mktemp("reading")
    built = build(ROOT / "flows", Services(council, scratch / "c.db").actions,
                  ["general", "bins", "council_tax"])
    assert not isinstance(built, list)
    return built, council


def reading(flows: tuple[FlowSet, CouncilData], question: Question, text: str = "",
            digits: str = "") -> Reading:
    built, council = flows
    return read(CallerTurn(text=text, digits=digits), question, built, council)


def slot_question(flows: tuple[FlowSet, CouncilData], flow: str, slot: str) -> Question:
    definition = flows[0].flows[flow].slots[slot]
    return Question(mode=Mode.ASKING, slot_name=slot, slot=definition)


def test_a_request_at_the_menu(flows: tuple[FlowSet, CouncilData]) -> None:
    got = reading(flows, Question(), "when are my bins collected")
    assert got.request is not None and got.request.intent == "bin_day"
    assert got.services[0].intent == "bin_day" and got.complete
    assert routed(got) == "bin_day" and got.value is None


def test_a_slot_value_with_its_sureness(flows: tuple[FlowSet, CouncilData]) -> None:
    got = reading(flows, slot_question(flows, "bins", "postcode"), "it's L S six two Q T")
    assert got.slot == "postcode" and got.value is not None
    assert got.value.value == "LS6 2QT" and got.sure and got.complete


def test_keys_are_not_ranked(flows: tuple[FlowSet, CouncilData]) -> None:
    got = reading(flows, slot_question(flows, "council_tax", "account"), digits="40019283")
    assert got.keyed and got.services == () and got.value is not None
    assert got.value.value == "40019283" and got.sure


def test_the_option_picked_from_a_clarifying_question(
        flows: tuple[FlowSet, CouncilData]) -> None:
    question = Question(mode=Mode.CLARIFYING, options=("council_tax_balance", "council_tax_pay"))
    assert reading(flows, question, "the second one").choice == "council_tax_pay"
    assert reading(flows, question, "my council tax balance").choice == "council_tax_balance"
    assert reading(flows, question, "tomato soup").choice is None


def test_yes_and_no_after_anything_else(flows: tuple[FlowSet, CouncilData]) -> None:
    question = Question(mode=Mode.ANYTHING_ELSE)
    assert reading(flows, question, "no thanks").yes_no is False
    assert reading(flows, question, "yes").complete


def test_explain_shows_every_part(flows: tuple[FlowSet, CouncilData]) -> None:
    lines = explain(reading(flows, slot_question(flows, "bins", "postcode"), "banana"))
    assert lines[0].startswith("heard: banana")
    assert any(line.startswith("services: ") for line in lines)
    assert "slot postcode: none (missing)" in lines


@pytest.mark.parametrize(("start", "goes", "allowed"), [
    (Mode.MENU, Mode.RUNNING, True),
    (Mode.ASKING, Mode.CONFIRMING, True),
    (Mode.MENU, Mode.CONFIRMING, False),
    (Mode.ENDED, Mode.MENU, False),
    (Mode.RUNNING, Mode.CLARIFYING, False),
])
def test_the_mode_moves_only_as_the_table_allows(start: Mode, goes: Mode,
                                                   allowed: bool) -> None:
    state = CallState(mode=start)
    if allowed:
        state.enter(goes)
        assert state.mode is goes
    else:
        with pytest.raises(DataError, match="no move"):
            state.enter(goes)


def test_a_closed_answer_every_hypothesis_gives_is_taken_without_reading_it_back(
        flows: tuple[FlowSet, CouncilData]) -> None:
    """Whisper's doubt spread over spellings ("a call back, please" / "a callback please.") is
    no doubt over the answer; hypotheses that differ on it, a guess far under the bar, a yes or
    no ("that's right" is heard as "not right" in every hypothesis), or an open value such as
    a postcode are still read back."""
    built, council = flows
    choice = slot_question(flows, "after_hours", "choice")

    def heard(question: Question, text: str, others: tuple[str, ...], confidence: float
              ) -> Reading:
        turn = CallerTurn(text=text, alternatives=others, confidence=confidence)
        return read(turn, question, built, council)

    agreed = heard(choice, "a call back, please", ("a callback please.",), 0.45)
    assert agreed.value is not None and agreed.value.value == "call back"
    assert agreed.agreed and agreed.sure
    split = heard(choice, "a call back, please", ("a message please",), 0.45)
    assert not split.agreed and not split.sure
    assert heard(choice, "a call back, please", ("a callback please.",), 0.6).sure
    faint = heard(choice, "a call back, please", ("a callback please.",), 0.3)
    assert faint.agreed and not faint.sure
    yes_no = heard(slot_question(flows, "after_hours", "use_this_number"), "yes", ("yes.",), 0.45)
    assert yes_no.value is not None and yes_no.value.value is True and not yes_no.sure
    postcode = heard(slot_question(flows, "bins", "postcode"), "L S six two Q T",
                     ("L S six, two Q T",), 0.45)
    assert postcode.value is not None and not postcode.agreed and not postcode.sure
