"""The pacer on a fake clock: frames never run more than ``lead`` ahead of real time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telephony.pacer import Pacer

FRAME = 320  # 20 ms of PCM16 at 8 kHz


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


class Sink:
    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.sent: list[tuple[float, str, bytes | str]] = []

    async def frame(self, pcm: bytes) -> None:
        self.sent.append((self.time.now, "frame", pcm))

    async def mark(self, name: str) -> None:
        self.sent.append((self.time.now, "mark", name))

    def frames(self) -> list[tuple[float, bytes]]:
        return [(at, item) for at, kind, item in self.sent if kind == "frame"]  # type: ignore[misc]


@asynccontextmanager
async def running(lead: float = 0.1) -> AsyncIterator[tuple[Pacer, Sink, FakeTime]]:
    time = FakeTime()
    sink = Sink(time)
    pacer = Pacer(sink.frame, sink.mark, lead=lead, clock=time.clock, sleep=time.sleep)
    task = asyncio.create_task(pacer.run())
    try:
        yield pacer, sink, time
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_audio_is_sent_in_real_time_within_the_lead() -> None:
    async with running(lead=0.1) as (pacer, sink, time):
        start = time.now
        pacer.push_audio(bytes(FRAME * 50))  # one second
        await asyncio.wait_for(pacer.drained(), 1)
    frames = sink.frames()
    assert len(frames) == 50 and all(len(pcm) == FRAME for _, pcm in frames)
    for index, (at, _) in enumerate(frames):
        ahead = index * 0.02 - (at - start)  # audio already sent minus time elapsed
        assert ahead <= 0.1 + 1e-9
    assert frames[-1][0] - start >= 1.0 - 0.02 - 0.1 - 1e-9


async def test_marks_follow_the_audio_before_them() -> None:
    async with running() as (pacer, sink, _):
        pacer.push_audio(bytes(FRAME * 3))
        pacer.push_mark("one")
        pacer.push_audio(bytes(FRAME * 2))
        pacer.push_mark("two")
        await asyncio.wait_for(pacer.drained(), 1)
    assert [kind if kind == "frame" else item for _, kind, item in sink.sent] == [
        "frame", "frame", "frame", "one", "frame", "frame", "two"]


async def test_part_frames_wait_for_more_then_pad() -> None:
    async with running() as (pacer, sink, _):
        pacer.push_audio(b"\x01\x00" * 100)  # 12.5 ms
        pacer.push_audio(b"\x02\x00" * 100)  # 25 ms in all: one frame and a bit
        await asyncio.wait_for(pacer.drained(), 1)
    frames = [pcm for _, pcm in sink.frames()]
    assert len(frames) == 2
    assert frames[0] == b"\x01\x00" * 100 + b"\x02\x00" * 60
    assert frames[1] == b"\x02\x00" * 40 + bytes(FRAME - 80)


async def test_clear_drops_unsent_audio_and_reports_unsent_marks() -> None:
    async with running() as (pacer, sink, _):
        pacer.push_audio(bytes(FRAME * 100))
        pacer.push_mark("late")
        while len(sink.frames()) < 10:  # noqa: ASYNC110
            await asyncio.sleep(0)
        assert pacer.queued_seconds > 1.0
        assert pacer.clear() == ["late"]
        assert pacer.queued_seconds == 0
        await asyncio.wait_for(pacer.drained(), 1)
        for _ in range(10):
            await asyncio.sleep(0)
    assert len(sink.frames()) <= 11
    assert all(kind == "frame" for _, kind, _ in sink.sent)


async def test_after_a_pause_the_timeline_restarts() -> None:
    async with running(lead=0.1) as (pacer, sink, time):
        pacer.push_audio(bytes(FRAME * 5))
        await asyncio.wait_for(pacer.drained(), 1)
        time.now += 5.0  # nothing to say for five seconds
        resumed = time.now
        pacer.push_audio(bytes(FRAME * 10))
        await asyncio.wait_for(pacer.drained(), 1)
    later = [round(at - resumed, 6) for at, _ in sink.frames()[5:]]
    # No catching up on the silence: one lead's worth at once, then one frame per 20 ms.
    assert later == [0.0] * 6 + [0.02, 0.04, 0.06, 0.08]
