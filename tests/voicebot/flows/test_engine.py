"""The engine's seams: agents out of hours, and the council's own systems over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from tests.conftest import serving
from voicebot.council.actions import ActionContext, Services
from voicebot.council.data import CouncilData
from voicebot.errors import DataError
from voicebot.flows.actions import CallerTurn, Handover, Say
from voicebot.flows.conversation_tests import fixed_today
from voicebot.flows.engine import Dialogue
from voicebot.flows.registry import build

ROOT = Path(__file__).resolve().parents[3]


class Closed:
    def closed_message(self, team: str) -> str | None:
        return f"Our {team} team is open Monday to Friday, 9am to 5pm."


async def test_out_of_hours_the_bot_says_when_and_offers_what_it_can_do(tmp_path: Path) -> None:
    council = CouncilData.load(ROOT / "seeds", today=fixed_today)
    services = Services(council, tmp_path / "c.db")
    built = build(ROOT / "flows", services.actions, ["general", "bins", "council_tax"])
    assert not isinstance(built, list)
    dialogue = Dialogue(built, services, lambda e: None, "CA1", Closed())
    await dialogue.start()
    actions = await dialogue.hear(CallerTurn(text="can I speak to a person please"))
    said = " ".join(a.text for a in actions if isinstance(a, Say))
    assert not any(isinstance(a, Handover) for a in actions)
    assert "open Monday to Friday" in said and "anything else" in said


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
