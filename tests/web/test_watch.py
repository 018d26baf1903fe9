"""The browser phone's event stream: only the page's own call, redacted, with each turn's
latency, read over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import serving
from voicebot.events import CallEvent, CallEventType
from voicebot.web.watch import CallWatch, TurnClock, make_watch_router

SID, TOKEN = "BR" + "a" * 32, "secret-token-for-this-call"


def turn(sid: str, start: float) -> list[CallEvent]:
    """A caller's turn and the bot's reply, at known times."""
    return [
        CallEvent(CallEventType.SPEECH_START, sid, {}, at=start),
        CallEvent(CallEventType.TURN_END, sid, {"seconds": 1.6, "pause": 0.7}, at=start + 2.0),
        CallEvent(CallEventType.TRANSCRIPT, sid, {
            "text": "my card is 4111 1111 1111 1111", "confidence": 0.93}, at=start + 2.4),
        CallEvent(CallEventType.INTENT, sid, {"intent": "bin_day", "score": 0.9}, at=start + 2.5),
        CallEvent(CallEventType.SAY_START, sid, {"text": "What's the postcode?"}, at=start + 2.6),
        CallEvent(CallEventType.SAY, sid, {"text": "What's the postcode?", "interrupted": False},
                  at=start + 4.0),
    ]


def test_latency_runs_from_the_end_of_speech_or_the_last_key_to_the_first_reply_audio() -> None:
    clock = TurnClock()
    measured = [clock.latency(event) for event in turn(SID, 100.0)]
    assert measured[4] is not None and abs(measured[4] - 1.3) < 1e-9  # 102.6 - (102.0 - 0.7)
    assert [m for i, m in enumerate(measured) if i != 4] == [None] * 5
    keyed = [CallEvent(CallEventType.DIGITS, SID, {"digit": "4"}, at=200.0),
             CallEvent(CallEventType.DIGITS, SID, {"digit": "1"}, at=201.0),
             CallEvent(CallEventType.SAY_START, SID, {"text": "Thanks."}, at=201.8),
             CallEvent(CallEventType.SAY_START, SID, {"text": "Anything else?"}, at=203.0)]
    timed = [clock.latency(event) for event in keyed]
    assert timed[:2] == [None, None] and abs((timed[2] or 0) - 0.8) < 1e-9
    assert timed[3] is None  # a second sentence is not a new reply


async def read(base: str, sid: str, token: str, after: int = 0) -> tuple[int, list[Any]]:
    async with (httpx.AsyncClient(trust_env=False, timeout=10) as http,
                http.stream("GET", f"{base}/phone/calls/{sid}/events", params={"after": after},
                            headers={"X-Call-Token": token}) as got):
        if got.status_code != 200:
            return got.status_code, []
        body = [line async for line in got.aiter_lines()]
    return 200, [json.loads(line[6:]) for line in body if line.startswith("data: ")]


async def test_the_page_reads_its_own_call_live_and_nothing_else() -> None:
    watch = CallWatch()
    app = FastAPI()
    app.include_router(make_watch_router(watch))
    async with serving(app) as base:
        watch.open(SID, TOKEN)
        watch(CallEvent(CallEventType.CALL_START, "CA" + "b" * 32, {"from": "+447700900123"}))
        for event in turn(SID, 100.0):
            watch(event)
        watch(CallEvent(CallEventType.DIGITS, SID, {"digit": "7"}))
        reader = asyncio.create_task(read(base, SID, TOKEN))
        await asyncio.sleep(0.3)
        assert not reader.done()  # the call is still going: the stream stays open
        watch(CallEvent(CallEventType.CALL_END, SID, {"outcome": "contained", "reason": "done"}))
        status, views = await asyncio.wait_for(reader, 5)
        assert status == 200
        assert [v["type"] for v in views] == [
            "speech-start", "turn-end", "transcript", "intent", "say-start", "say", "digits",
            "call-end"]
        assert views[2]["text"] == "my card is [redacted number]" and views[2]["confidence"] == 0.93
        assert views[4]["latency"] == 1.3 and "latency" not in views[5]
        assert views[6] == {"type": "digits", "at": views[6]["at"]}  # the key is never shown
        assert (await read(base, SID, TOKEN, after=6))[1] == views[6:]
        assert (await read(base, SID, "someone-else's-guess"))[0] == 404
        assert (await read(base, SID, ""))[0] == 404
        assert (await read(base, "CA" + "b" * 32, TOKEN))[0] == 404  # calls not opened: unseen


async def test_shutdown_ends_open_streams() -> None:
    watch = CallWatch()
    app = FastAPI()
    app.include_router(make_watch_router(watch))
    async with serving(app) as base:
        watch.open(SID, TOKEN)
        reader = asyncio.create_task(read(base, SID, TOKEN))
        await asyncio.sleep(0.3)
        watch.close()
        assert (await asyncio.wait_for(reader, 5)) == (200, [])


async def test_ended_calls_are_forgotten_after_a_while() -> None:
    now = [0.0]
    watch = CallWatch(clock=lambda: now[0])
    watch.open(SID, TOKEN)
    watch.finish(SID)
    now[0] = 601.0
    watch.open("BR" + "c" * 32, "other")
    assert not watch.allowed(SID, TOKEN) and watch.allowed("BR" + "c" * 32, "other")
