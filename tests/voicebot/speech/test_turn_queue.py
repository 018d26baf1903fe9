"""The recogniser's queue: finals before partials, partials dropped while finals wait."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import numpy as np
import pytest

from voicebot.errors import RecognitionError
from voicebot.speech.turn_queue import PARTIAL_DROPPED, TurnQueue


@dataclass
class Request:
    """Like the recogniser's requests, it holds an array (so equality cannot be used)."""

    name: str
    partial: bool = False
    droppable: bool = True
    future: asyncio.Future[str] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())
    features: np.ndarray = field(default_factory=lambda: np.zeros(4, np.float32))


async def test_a_final_goes_before_partials_that_came_first_and_they_are_dropped() -> None:
    queue: TurnQueue[Request] = TurnQueue(max_batch=8)
    early = Request("partial", partial=True)
    final = Request("final")
    queue.put(early)
    queue.put(final)
    batch = await queue.batch()
    assert [r.name for r in batch] == ["final"]
    with pytest.raises(RecognitionError) as caught:
        await early.future
    assert caught.value.code == PARTIAL_DROPPED
    assert queue.dropped == 1


async def test_partials_are_decoded_when_no_final_waits() -> None:
    queue: TurnQueue[Request] = TurnQueue(max_batch=8)
    first, second = Request("a", partial=True), Request("b", partial=True)
    queue.put(first)
    queue.put(second)
    assert [r.name for r in await queue.batch()] == ["a", "b"]
    assert not first.future.done()


async def test_what_waits_together_is_one_batch_up_to_the_limit_oldest_first() -> None:
    queue: TurnQueue[Request] = TurnQueue(max_batch=2)
    requests = [Request(str(i)) for i in range(3)]
    for request in requests:
        queue.put(request)
    assert [r.name for r in await queue.batch()] == ["0", "1"]
    assert [r.name for r in await queue.batch()] == ["2"]


async def test_a_lone_request_is_handed_out_at_once() -> None:
    queue: TurnQueue[Request] = TurnQueue(max_batch=8)
    waiter = asyncio.create_task(queue.batch())
    await asyncio.sleep(0)
    queue.put(Request("alone"))
    batch = await asyncio.wait_for(waiter, 0.05)
    assert [r.name for r in batch] == ["alone"]


async def test_cancelled_requests_are_skipped() -> None:
    queue: TurnQueue[Request] = TurnQueue(max_batch=8)
    gone, kept = Request("gone"), Request("kept")
    gone.future.cancel()
    queue.put(gone)
    queue.put(kept)
    assert [r.name for r in await queue.batch()] == ["kept"]


async def test_a_partial_that_may_not_be_dropped_waits_behind_the_finals() -> None:
    queue: TurnQueue[Request] = TurnQueue(max_batch=8)
    spelled = Request("spelled", partial=True, droppable=False)
    plain = Request("plain", partial=True)
    final = Request("final")
    for request in (spelled, plain, final):
        queue.put(request)
    assert [r.name for r in await queue.batch()] == ["final"]
    assert plain.future.done() and not spelled.future.done()
    assert [r.name for r in await queue.batch()] == ["spelled"]
    assert queue.dropped == 1
