"""``voicebot calls``: the records in a terminal, shaped and redacted exactly as the API serves
them (a real SQLite file written through the event sink, read back through the real API)."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import serving
from tests.web.conftest import transfer_call
from voicebot.cli import main
from voicebot.config import Settings
from voicebot.events import CallEvent, CallEventType
from voicebot.records import CallRecords
from voicebot.web.api import make_api_router

CARD = "4111 1111 1111 1111"


@pytest.fixture
def recorded(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Two calls on record: a transfer that heard a card number, and a contained call."""
    monkeypatch.setenv("VOICEBOT_STATE_DIR", str(settings.state_dir))
    records = CallRecords(settings.database)
    transfer_call(records, "CA" + "a" * 32)
    sid = "CA" + "b" * 32
    records(CallEvent(CallEventType.CALL_START, sid, {"from": "+447700900456", "to": ""}))
    records(CallEvent(CallEventType.TRANSCRIPT, sid, {"text": "when are my bins collected",
                                                      "confidence": 0.91}))
    records(CallEvent(CallEventType.INTENT, sid, {"intent": "bin_day", "score": 0.88}))
    records(CallEvent(CallEventType.SAY, sid, {"text": "What's the postcode?",
                                               "interrupted": True}))
    records(CallEvent(CallEventType.CALL_END, sid, {"outcome": "contained",
                                                    "reason": "completed"}))
    records.close()
    return settings


async def api(settings: Settings, path: str) -> object:
    records = CallRecords(settings.database)
    app = FastAPI()
    app.include_router(make_api_router(records, settings))
    try:
        async with serving(app) as base, httpx.AsyncClient(trust_env=False) as http:
            return (await http.get(f"{base}{path}")).json()
    finally:
        records.close()


async def test_json_is_exactly_what_the_api_serves(recorded: Settings,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calls", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == await api(recorded, "/api/calls?limit=20")
    sid = "CA" + "a" * 32
    assert main(["calls", "show", sid, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == await api(recorded, f"/api/calls/{sid}")
    assert CARD not in json.dumps(shown) and "+447700900123" not in json.dumps(shown)


def test_the_list_and_a_call_read_as_text(recorded: Settings,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calls", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[2:5] == ["CA" + "b" * 32, "+44", "7***"]
    assert "contained" in lines[1] and "to council_tax: moving home" in lines[2]
    assert main(["calls", "show", "CA" + "b" * 32]) == 0
    text = capsys.readouterr().out
    assert "caller  when are my bins collected" in text
    assert "-> intent bin_day (0.88)" in text and "(interrupted)" in text
    assert main(["calls", "show", "CA" + "a" * 32]) == 0
    text = capsys.readouterr().out
    assert "+44 7*** ***123" in text and CARD not in text and "1111" not in text
    assert "[redacted number]" in text
    assert "summary   Council tax enquiry" in text


def test_an_unknown_call_is_said_so(recorded: Settings,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calls", "show", "CA-nope"]) == 1
    assert "no call 'CA-nope' on record" in capsys.readouterr().out


def test_no_records_is_said_so(settings: Settings, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("VOICEBOT_STATE_DIR", str(settings.state_dir / "elsewhere"))
    assert main(["calls", "list"]) == 2
    assert "no call records at" in capsys.readouterr().err
    assert not (settings.state_dir / "elsewhere").exists()
