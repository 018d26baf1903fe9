"""The Welsh line (examples/welsh-line): Welsh callers reach Welsh-speaking agents, warm.

The example's own conversation tests run here, then what they cannot show: the transfer as
the carrier sees it (the Welsh queue, with the same context as any transfer), what a Welsh
caller hears when no Welsh speaker is in, and what `flows check` says of a missing Welsh text.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from voicebot.config import load_settings
from voicebot.council.actions import Services
from voicebot.council.data import CouncilData
from voicebot.events import CallEvent, CallEventType
from voicebot.flows.actions import CallerTurn, Handover, Listen, Say
from voicebot.flows.conversation_tests import fixed_today, load_tests, run_test
from voicebot.flows.engine import Dialogue
from voicebot.flows.registry import FlowSet, build
from voicebot.handoff import Handoff

ROOT = Path(__file__).resolve().parent.parent
LINE = ROOT / "examples" / "welsh-line"
CASES = load_tests(LINE / "tests")
TEAMS = ["general", "bins"]
WELSH_TARGETS = {
    "general": {"kind": "queue", "address": "customer-services", "hours": "always",
                "cy": {"kind": "queue", "address": "gwasanaethau-cymraeg",
                       "hours": "Mon-Fri 09:00-17:00"}},
    "bins": {"kind": "queue", "address": "waste", "hours": "always"},
}


def welsh_line(tmp_path: Path, folder: Path = LINE) -> tuple[FlowSet, CouncilData]:
    council = CouncilData.load(ROOT / "seeds", today=fixed_today)
    built = build(folder, Services(council, tmp_path / "probe.db").actions, TEAMS)
    assert not isinstance(built, list), "\n".join(str(p) for p in built)
    return built, council


@pytest.mark.parametrize(("file", "case"), CASES, ids=[str(c.get("test")) for _, c in CASES])
async def test_welsh_line_conversation(file: Path, case: dict[str, Any], tmp_path: Path) -> None:
    built, council = welsh_line(tmp_path)
    result = await run_test(case, file, built, lambda: Services(council, tmp_path / "cases.db"))
    assert result.passed, "\n".join(result.failures)


def handoff_at(tmp_path: Path, when: datetime) -> Handoff:
    settings = load_settings(state_dir=tmp_path, transfer_targets=WELSH_TARGETS)
    return Handoff(settings, now=lambda: when)


TUESDAY_NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SUNDAY = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


async def test_a_welsh_caller_reaches_the_welsh_queue_with_the_calls_context(
        tmp_path: Path) -> None:
    built, council = welsh_line(tmp_path)
    handoff = handoff_at(tmp_path, TUESDAY_NOON)
    events: list[CallEvent] = []
    dialogue = Dialogue(built, Services(council, tmp_path / "c.db"), events.append, "CY1",
                        handoff)
    await dialogue.start()
    await dialogue.hear(CallerTurn(text="when are my bins collected"))
    await dialogue.hear(CallerTurn(text="L S 6 2 Q T"))
    await dialogue.hear(CallerTurn(text="21"))
    actions = await dialogue.hear(CallerTurn(text="Welsh please"))
    handover = next(a for a in actions if isinstance(a, Handover))
    assert (handover.team, handover.language) == ("bins", "cy")
    said = [a for a in actions if isinstance(a, Say)]
    assert said and all(s.language == "cy" for s in said)
    assert "gwastraff ac ailgylchu" in said[-1].text
    assert [e.data for e in events if e.type == CallEventType.LANGUAGE] == [{"language": "cy"}]
    transcript = [{"who": "caller", "text": "when are my bins collected"}]
    outcome = await handoff.outcome("CY1", handover, dialogue.verified, dict(dialogue.slots),
                                    transcript)
    # Bins has no Welsh speakers of its own: the general Welsh queue takes the call, and it
    # sees what any transfer carries, and that the caller speaks Welsh.
    assert outcome.target is not None and outcome.target.address == "gwasanaethau-cymraeg"
    assert outcome.context["language"] == "cy"
    assert outcome.context["slots"]["postcode"] == "LS6 2QT"
    assert outcome.context["transcript"] == transcript
    assert outcome.context["whisper"].startswith("Welsh speaking caller.")


async def test_with_no_welsh_speaker_in_the_caller_is_told_in_welsh_then_served_in_english(
        tmp_path: Path) -> None:
    built, council = welsh_line(tmp_path)
    dialogue = Dialogue(built, Services(council, tmp_path / "c.db"), lambda e: None, "CY2",
                        handoff_at(tmp_path, SUNDAY))
    await dialogue.start()
    actions = await dialogue.hear(CallerTurn(digits="1"))
    assert not any(isinstance(a, Handover) for a in actions)
    said = [(a.language, a.text) for a in actions if isinstance(a, Say)]
    assert said[0][0] == "cy" and "does neb sy'n siarad Cymraeg" in said[0][1]
    assert said[-1] == ("en", "I can help with bin collection days. What would you like to do?")
    listen = next(a for a in actions if isinstance(a, Listen))
    assert listen.expect.language == "en"
    assert dialogue.language == "en"
    actions = await dialogue.hear(CallerTurn(text="when are my bins collected"))
    assert any(isinstance(a, Say) and "postcode" in a.text for a in actions)


async def test_an_english_line_ignores_the_key_that_chooses_welsh(tmp_path: Path) -> None:
    council = CouncilData.load(ROOT / "seeds", today=fixed_today)
    built = build(ROOT / "flows", Services(council, tmp_path / "p.db").actions, TEAMS)
    assert not isinstance(built, list)
    dialogue = Dialogue(built, Services(council, tmp_path / "c.db"), lambda e: None, "EN1",
                        handoff_at(tmp_path, TUESDAY_NOON))
    greeting = await dialogue.start()
    assert [a.language for a in greeting if isinstance(a, Say)] == ["en"]
    await dialogue.hear(CallerTurn(digits="1"))
    assert dialogue.language == "en"


def test_flows_check_reports_a_prompt_without_welsh(tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    shutil.copytree(LINE, folder)
    bins = folder / "bins.yaml"
    bins.write_text(bins.read_text(encoding="utf-8").replace(
        "      cy: Diolch. Beth yw rhif neu enw'r tŷ?\n", ""), encoding="utf-8")
    main = folder / "main.yaml"
    main.write_text(main.read_text(encoding="utf-8").replace(
        "  bins: {en: waste and recycling, cy: gwastraff ac ailgylchu}",
        "  bins: waste and recycling"), encoding="utf-8")
    council = CouncilData.load(ROOT / "seeds", today=fixed_today)
    problems = build(folder, Services(council, tmp_path / "p.db").actions, TEAMS)
    assert isinstance(problems, list)
    shown = [str(p) for p in problems]
    assert len(shown) == 2, shown
    assert shown[0].startswith(f"{bins}:39:5: bins.step2.prompt has no Welsh text"), shown
    assert "team 'bins' has no Welsh name" in shown[1]
