"""The engine's seams: agents out of hours, and the council's own systems over HTTP."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from tests.conftest import serving
from voicebot.council.actions import ActionContext, Services
from voicebot.council.data import CouncilData
from voicebot.errors import DataError
from voicebot.flows.actions import CallerTurn, Handover, Hangup, Say
from voicebot.flows.conversation_tests import AlwaysOpen, fixed_today
from voicebot.flows.engine import Dialogue
from voicebot.flows.registry import build
from voicebot.flows.state import Mode
from voicebot.language.intents import IntentRouter, IntentScore, IntentSpec

ROOT = Path(__file__).resolve().parents[3]


class Closed:
    def closed_message(self, team: str, language: str = "en") -> str | None:
        return f"Our {team} team is open Monday to Friday, 9am to 5pm."


async def test_out_of_hours_the_bot_says_when_and_offers_a_call_back_or_a_message(
        tmp_path: Path) -> None:
    council = CouncilData.load(ROOT / "seeds", today=fixed_today)
    services = Services(council, tmp_path / "c.db")
    built = build(ROOT / "flows", services.actions, ["general", "bins", "council_tax"])
    assert not isinstance(built, list)
    dialogue = Dialogue(built, services, lambda e: None, "CA1", Closed())
    await dialogue.start()
    actions = await dialogue.hear(CallerTurn(text="can I speak to a person please"))
    said = " ".join(a.text for a in actions if isinstance(a, Say))
    assert not any(isinstance(a, Handover) for a in actions)
    assert "open Monday to Friday" in said and "call you back" in said
    # Hours that cannot say when someone could call back: the caller leaves a message.
    actions = await dialogue.hear(CallerTurn(text="a call back please"))
    said = " ".join(a.text for a in actions if isinstance(a, Say))
    assert "can't arrange a call back" in said and "say your message" in said


async def test_the_http_action_calls_the_councils_system(tmp_path: Path) -> None:
    received: list[dict[str, Any]] = []
    app = FastAPI()

    @app.post("/permits")
    async def permits(body: dict[str, Any]) -> dict[str, Any]:
        received.append(body)
        return {"status": "approved", "expires": "2027-01-31"}

    services = Services(CouncilData(), tmp_path / "c.db")
    async with serving(app) as url:
        context = ActionContext("CA9", {"postcode": "LS6 2QT", "account": "1"},
                                options={"url": f"{url}/permits", "send": ["postcode"]})
        result = await services.run("http", context)
        context.options = {"url": f"{url}/missing", "send": []}
        with pytest.raises(DataError, match="404"):
            await services.run("http", context)
    assert result == {"status": "approved", "expires": "2027-01-31"}
    assert received == [{"call_sid": "CA9", "postcode": "LS6 2QT"}]


class Recording(IntentRouter):
    """The real router, noting the order in which the dialogue prepares and ranks."""

    def __init__(self, specs: dict[str, IntentSpec], log: list[str]) -> None:
        super().__init__(specs)
        self.log = log

    async def prepare(self, texts: Sequence[str]) -> None:
        self.log.append(f"prepare {list(texts)}")

    def rank(self, text: str, alternatives: Sequence[str] = ()) -> list[IntentScore]:
        self.log.append(f"rank {text}")
        return super().rank(text, alternatives)


def dialogue_over_seeds(tmp_path: Path) -> Dialogue:
    council = CouncilData.load(ROOT / "seeds", today=fixed_today)
    services = Services(council, tmp_path / "c.db")
    built = build(ROOT / "flows", services.actions, ["general", "bins", "council_tax"])
    assert not isinstance(built, list)
    return Dialogue(built, services, lambda e: None, "CA2", AlwaysOpen())


async def test_the_routers_prepare_once_before_ranking_once(tmp_path: Path) -> None:
    dialogue = dialogue_over_seeds(tmp_path)
    log: list[str] = []
    flows = dialogue.flows
    flows.router = Recording({n: IntentSpec(tuple(s.examples), tuple(s.keywords))
                              for n, (_, s) in flows.intents.items()}, log)
    flows.globals = Recording({n: IntentSpec(tuple(s.examples), tuple(s.keywords))
                               for n, s in flows.main.globals.items()}, log)
    await dialogue.start()
    await dialogue.hear(CallerTurn(text="when are my bins collected", alternatives=("when",)))
    assert log == ["prepare ['when are my bins collected', 'when']",
                   "prepare ['when are my bins collected', 'when']",
                   "rank when are my bins collected", "rank when are my bins collected"]


async def test_is_complete_reads_the_words_against_the_question(tmp_path: Path) -> None:
    dialogue = dialogue_over_seeds(tmp_path)
    await dialogue.start()
    assert dialogue.is_complete("when are my bins collected")
    assert not dialogue.is_complete("erm well")
    # an unmistakable global request is a whole answer to the open question too
    assert dialogue.is_complete("operator")
    assert dialogue.is_complete("can I speak to a real person please")
    assert not dialogue.is_complete("can I")
    await dialogue.hear(CallerTurn(text="when are my bins collected"))
    assert dialogue.mode is Mode.ASKING
    assert not dialogue.is_complete("it's L S six")
    assert dialogue.is_complete("it's L S six two Q T")
    await dialogue.hear(CallerTurn(text="LS6 2QT", confidence=0.3))
    assert dialogue.mode is Mode.CONFIRMING
    assert dialogue.is_complete("yes") and not dialogue.is_complete("well")


async def test_nothing_is_taken_in_after_the_call_ended(tmp_path: Path) -> None:
    dialogue = dialogue_over_seeds(tmp_path)
    await dialogue.start()
    actions = await dialogue.hear(CallerTurn(text="goodbye"))
    assert isinstance(actions[-1], Hangup) and dialogue.mode is Mode.ENDED
    assert await dialogue.hear(CallerTurn(text="hello?")) == [Hangup("completed")]
    assert await dialogue.silence() == [Hangup("completed")]
