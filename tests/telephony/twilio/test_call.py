"""MediaStreamCall with an in-memory transport: events, marks, clear, the end of a stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telephony.call import CallInfo
from telephony.events import AudioIn, DigitIn, MarkPlayed, StreamStopped
from telephony.twilio import messages
from telephony.twilio.call import MediaStreamCall, TransportClosed

SID = "MZ1"


class Wire:
    def __init__(self) -> None:
        self.sent: list[dict[str, object]] = []
        self.closed = False
        self.broken = False

    async def send_text(self, text: str) -> None:
        if self.broken:
            raise TransportClosed("gone")
        self.sent.append(json.loads(text))

    async def close(self) -> None:
        self.closed = True

    def events(self) -> list[str]:
        return [str(m["event"]) for m in self.sent]


@asynccontextmanager
async def live_call(**kwargs: object) -> AsyncIterator[tuple[MediaStreamCall, Wire]]:
    wire = Wire()
    drops: list[tuple[str, str]] = []
    call = MediaStreamCall(CallInfo("CA1", SID), wire, lead=0.05,
                           on_drop=lambda sid, why: drops.append((sid, why)))
    call.drops = drops  # type: ignore[attr-defined]
    pacer = asyncio.create_task(call.pacer.run())
    try:
        yield call, wire
    finally:
        pacer.cancel()
        await asyncio.gather(pacer, return_exceptions=True)


async def collect(call: MediaStreamCall) -> list[object]:
    return [event async for event in call.events()]


async def test_inbound_events_in_order_then_stopped() -> None:
    async with live_call() as (call, _):
        call.receive(messages.media_in(2, SID, 1, 0, "//8="))
        call.receive(messages.dtmf_in(3, SID, "4"))
        call.receive(messages.stop_in(4, SID, "CA1", "AC1"))
        events = await asyncio.wait_for(collect(call), 1)
    assert events[0] == AudioIn(b"\x00\x00\x00\x00", 8000)
    assert events[1:] == [DigitIn("4"), StreamStopped("stop")]


async def test_marks_resolve_when_echoed_and_unknown_echoes_are_ignored() -> None:
    async with live_call() as (call, wire):
        await call.play(bytes(320 * 2))
        await call.mark("m1")
        assert not await call.wait_played("m1", 0.05)
        await asyncio.sleep(0.01)
        assert wire.events() == ["media", "media", "mark"]
        call.receive(messages.mark_in(5, SID, "stranger"))
        call.receive(messages.mark_in(6, SID, "m1"))
        assert await call.wait_played("m1", 0.1)
        assert await call.wait_played("m1", 0.1)  # still true later
        assert not await call.wait_played("never-sent", 0.01)
        call.receive(messages.stop_in(7, SID, "CA1", "AC1"))
        events = await asyncio.wait_for(collect(call), 1)
    assert events == [MarkPlayed("m1", cleared=False), StreamStopped("stop")]


async def test_clear_sends_clear_and_resolves_marks_as_cleared() -> None:
    async with live_call() as (call, wire):
        await call.play(bytes(320 * 100))
        await call.mark("long")
        await asyncio.sleep(0.02)
        await call.clear()
        assert await call.wait_played("long", 0.01)
        assert wire.events()[-1] == "clear"
        assert wire.sent[-1] == {"event": "clear", "streamSid": SID}
        call.receive(messages.mark_in(9, SID, "long"))  # Twilio's echo after clear
        call.end("stop")
        events = await asyncio.wait_for(collect(call), 1)
    assert events == [MarkPlayed("long", cleared=True), StreamStopped("stop")]
    assert wire.events().count("media") < 20


async def test_a_drop_ends_events_releases_waiters_and_is_reported() -> None:
    async with live_call() as (call, _):
        await call.play(bytes(320 * 200))
        await call.mark("never")
        waiter = asyncio.create_task(call.wait_played("never", 5))
        call.end("dropped", "socket closed without stop")
        assert await asyncio.wait_for(waiter, 1)
        events = await asyncio.wait_for(collect(call), 1)
        call.receive(messages.media_in(2, SID, 1, 0, "//8="))
    assert events == [MarkPlayed("never", cleared=True), StreamStopped("dropped")]
    assert call.drops == [("CA1", "socket closed without stop")]  # type: ignore[attr-defined]
    assert call.violations["after-stop"] == 1
    assert call.stats["dropped-calls"] == 1


async def test_close_lets_queued_audio_play_then_closes() -> None:
    async with live_call() as (call, wire):
        await call.play(bytes(320 * 5))
        closing = asyncio.create_task(call.close())
        while "mark" not in wire.events():  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        assert not closing.done() and wire.events().count("media") == 5
        call.receive(messages.mark_in(3, SID, wire.sent[-1]["mark"]["name"]))  # type: ignore
        await asyncio.wait_for(closing, 1)
        assert wire.closed
        events = await asyncio.wait_for(collect(call), 1)
    assert events == [StreamStopped("closed")]  # the close mark is internal


async def test_a_broken_transport_does_not_break_the_call() -> None:
    async with live_call() as (call, wire):
        wire.broken = True
        await call.play(bytes(320 * 3))
        await call.clear()
        await asyncio.wait_for(call.close(), 5)
        events = await asyncio.wait_for(collect(call), 1)
    assert events == [StreamStopped("closed")]


async def test_play_after_the_end_is_ignored() -> None:
    async with live_call() as (call, wire):
        call.end("stop")
        await call.play(bytes(320))
        await call.mark("late")
        assert await call.wait_played("late", 0.01)
        await asyncio.sleep(0.01)
    assert wire.sent == []
