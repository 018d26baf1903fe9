"""A card number keyed in pieces at the account prompt goes nowhere, over the whole service.

The caller is Twilio's side on loopback, speaking with the local voice and pressing keys; the
service is the real one (models, flows, SQLite, the agent desktop). After the call, every place
the card could reach is read: the database file, the records API, the desktop, the TaskRouter
attributes in the TwiML, and the log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from telephony.twilio.caller import CallReport, Keys, ScriptedCaller, Speech
from telephony.twilio.client import TwilioClient
from tests.conftest import serving
from tests.voicebot.speech.conftest import phone_line
from voicebot.app import create_app
from voicebot.commands.passwords import hash_password
from voicebot.config import load_settings
from voicebot.speech.engines import SpeechEngines

TOKEN = "card-test-token"
CARD = "4556737586899855"  # Luhn-valid test number
PIECES = ("45567375", "86899855")
NUMBER = re.compile(r"\d(?:[\s,.\u2022-]{0,3}\d)*")
WORKFLOW = {"kind": "queue", "address": "WW0123456789abcdef0123456789abcdef", "hours": "always"}


@dataclass
class Service:
    url: str
    engines: SpeechEngines
    state: Path


@pytest_asyncio.fixture(loop_scope="function")
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    settings = load_settings(
        state_dir=tmp_path, twilio={"auth_token": TOKEN}, api_token="api-secret",
        session_secret="s", transfer_targets={"general": WORKFLOW, "council_tax": WORKFLOW},
        agents=[{"username": "alice", "password_hash": hash_password("pw-alice-1", rounds=4)}],
    )
    app = create_app(settings)
    async with serving(app) as url:
        yield Service(url, app.state.service.engines, tmp_path)


async def place(service: Service, steps: list[object]) -> CallReport:
    async with TwilioClient(service.url, TOKEN) as client:
        caller = ScriptedCaller(client, quiet=1.2, reply_timeout=15, end_timeout=8)
        return await caller.run(steps)  # type: ignore[arg-type]


def leaks(text: str) -> list[str]:
    """Any eight digits of the card in a row found in ``text``, however they are spaced."""
    numbers = ["".join(filter(str.isdigit, m.group())) for m in NUMBER.finditer(text)]
    windows = {CARD[i : i + 8] for i in range(len(CARD) - 7)}
    return sorted({w for w in windows for number in numbers if w in number})


@pytest.mark.slow
async def test_a_card_keyed_in_pieces_is_never_stored_shown_or_sent(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    speak = lambda text: Speech(phone_line(service.engines, text), label=text)  # noqa: E731
    report = await place(service, [
        speak("How much council tax do I owe?"),
        Keys(PIECES[0]),
        Keys(PIECES[1]),
        speak("Can I speak to a person please?"),
    ])
    await asyncio.sleep(0.5)
    async with httpx.AsyncClient(base_url=service.url, trust_env=False) as http:
        api = (await http.get(f"/api/calls/{report.call_sid}",
                              headers={"Authorization": "Bearer api-secret"})).json()
        await http.post("/desktop/login", data={"username": "alice", "password": "pw-alice-1"})
        desk = (await http.get(f"/desktop/api/calls/{report.call_sid}")).json()
    task = ET.fromstring(report.outcome_twiml).find("Enqueue/Task")
    assert task is not None and task.text
    stored = b"".join(p.read_bytes() for p in service.state.iterdir() if p.is_file())
    places = {
        "records API": json.dumps(api), "desktop": json.dumps(desk),
        "TaskRouter attributes": task.text, "log": caplog.text,
        "database files": stored.decode("latin-1"),
    }
    assert {where: leaks(text) for where, text in places.items() if leaks(text)} == {}
    bot = " | ".join(t["text"] for t in api["turns"] if t["who"] == "bot")
    assert "please don't key in or read out card details" in bot, bot
    assert api["outcome"] == "transferred", api
    assert json.loads(task.text)["slots"].get("account") is None
    keyed = [t["text"] for t in api["turns"] if str(t["text"]).startswith("[keypad]")]
    assert keyed and all(set(text) <= set("[keypad] \u2022") for text in keyed), keyed
