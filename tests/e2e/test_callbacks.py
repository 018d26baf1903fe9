"""An out-of-hours caller books a call back by keypad, over Twilio's protocol with real models.

The council is closed from yesterday to tomorrow (a closure run around today, so the call may
cross midnight), so whatever the hour, asking for a person is offered a call back. The caller
turns down their own number, keys another one in, and the booked call back waits in the queue
with the call's transcript, on the keyed number, in the first window after the closure.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from telephony.twilio.caller import Keys
from tests.conftest import serving
from tests.e2e.test_calls import TOKEN, Service, place, record, say
from voicebot.app import create_app
from voicebot.config import load_settings
from voicebot.records.follow_ups import FollowUps

LONDON = ZoneInfo("Europe/London")
OFFICE = "Mon-Sun 09:00-17:00"


@pytest_asyncio.fixture(loop_scope="function")
async def closed(tmp_path: Path) -> AsyncIterator[tuple[Service, FollowUps]]:
    today = datetime.now(LONDON).date()
    settings = load_settings(
        state_dir=tmp_path,
        twilio={"auth_token": TOKEN},
        api_token="api-secret",
        timezone="Europe/London",
        bank_holidays="none",
        closure_days=[{"date": today - timedelta(days=1), "to": today + timedelta(days=1),
                       "name": "the stocktake"}],
        transfer_targets={"general": {"kind": "queue", "address": "council", "hours": OFFICE}},
    )
    app = create_app(settings)
    async with serving(app) as url:
        service = app.state.service
        yield Service(url, service.engines), FollowUps(service.records)


@pytest.mark.slow
async def test_an_out_of_hours_caller_books_a_call_back_by_keypad(
    closed: tuple[Service, FollowUps],
) -> None:
    service, queue = closed
    report = await place(service, [
        say(service, "Can I speak to someone please?"),
        say(service, "A call back please."),
        say(service, "No, use a different number."),
        Keys("01134960000"),
        say(service, "The soonest, please."),
        say(service, "My bin was not collected on Tuesday."),
    ])
    call = await record(service, report.call_sid)
    turns = call["turns"]
    assert isinstance(turns, list)
    bot = " | ".join(f"{t['who']}: {t['text']}" for t in turns)
    assert "closed today for the stocktake" in bot, bot
    assert "call you back" in bot and "on 0 1 1 3, 4 9 6, 0 0 0 0" in bot, bot
    assert report.ended_by == "bot"
    await asyncio.sleep(0.5)
    assert (await record(service, report.call_sid))["outcome"] == "callback"
    booked = await asyncio.to_thread(queue.callbacks, "open", None)
    assert len(booked) == 1, booked
    callback = booked[0]
    assert callback["call_sid"] == report.call_sid and callback["team"] == "general"
    assert callback["number"] == "01134960000" and not callback["due"]
    opens = datetime.fromtimestamp(callback["window_start"], LONDON)
    first_open = datetime.now(LONDON).date() + timedelta(days=2)
    assert opens.date() in (first_open, first_open + timedelta(days=1))  # midnight crossed
    assert opens.hour == 9, opens
    assert "bin" in str(callback["reason"]).lower(), callback
