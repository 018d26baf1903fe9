"""The post-call satisfaction question: off by default; when on, asked once before a call the
bot finished ends, answered by a key or a word, skippable, and kept in the call's events."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from voicebot.council.actions import Services
from voicebot.council.data import CouncilData
from voicebot.events import CallEvent, CallEventType
from voicebot.flows.actions import CallerTurn, Handover, Hangup, Listen, Say
from voicebot.flows.conversation_tests import AlwaysOpen, fixed_today
from voicebot.flows.engine import Dialogue
from voicebot.flows.registry import build

ROOT = Path(__file__).resolve().parents[3]


def dialogue(tmp_path: Path, ask: bool) -> tuple[Dialogue, list[CallEvent]]:
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    main = flows / "main.yaml"
    main.write_text(main.read_text().replace("  ask: false", f"  ask: {str(ask).lower()}"))
    services = Services(CouncilData.load(ROOT / "seeds", today=fixed_today), tmp_path / "c.db")
    built = build(flows, services.actions, ["general", "bins", "council_tax"])
    assert not isinstance(built, list), built
    events: list[CallEvent] = []
    return Dialogue(built, services, events.append, "CA1", AlwaysOpen()), events


def said(actions: list[object]) -> str:
    return " ".join(a.text for a in actions if isinstance(a, Say))


def scores(events: list[CallEvent]) -> list[dict[str, object]]:
    return [e.data for e in events if e.type == CallEventType.SATISFACTION]


async def finished(call: Dialogue) -> list[object]:
    await call.start()
    return list(await call.hear(CallerTurn(text="how do I pay my council tax")))


async def test_off_by_default_the_call_just_ends(tmp_path: Path) -> None:
    call, events = dialogue(tmp_path, ask=False)
    await finished(call)
    ending = await call.hear(CallerTurn(text="no thanks, goodbye"))
    assert isinstance(ending[-1], Hangup) and "how satisfied" not in said(ending)
    assert scores(events) == []


@pytest.mark.parametrize(("answer", "score"), [
    (CallerTurn(digits="4"), 4), (CallerTurn(text="five"), 5), (CallerTurn(digits="9"), None),
    (CallerTurn(text="it was fine"), None), (None, None)])
async def test_a_finished_call_is_asked_once_and_may_skip(
        tmp_path: Path, answer: CallerTurn | None, score: int | None) -> None:
    call, events = dialogue(tmp_path, ask=True)
    await finished(call)
    asked = await call.hear(CallerTurn(text="no thanks, goodbye"))
    assert "how satisfied were you with this call" in said(asked)
    listen = asked[-1]
    assert isinstance(listen, Listen) and listen.expect.max_digits == 1
    assert call.closing
    ending = await (call.hear(answer) if answer is not None else call.silence())
    assert isinstance(ending[-1], Hangup) and ending[-1].reason in ("completed", "goodbye")
    assert ("Thank you for telling us" in said(ending)) is (score is not None)
    asked_then = [{"asked": True, "score": None}]
    assert scores(events) == asked_then + ([{"asked": True, "score": score}] if score else [])
    assert not call.closing
    assert await call.hear(CallerTurn(digits="3")) == [Hangup("completed")]  # asked once


async def test_a_transferred_call_is_not_asked(tmp_path: Path) -> None:
    call, events = dialogue(tmp_path, ask=True)
    await call.start()
    actions = await call.hear(CallerTurn(text="can I speak to a person please"))
    assert any(isinstance(a, Handover) for a in actions)
    assert "how satisfied" not in said(actions) and scores(events) == []
