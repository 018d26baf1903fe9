"""The drain coordinator on its own: real time, short limits, no server."""

from __future__ import annotations

import asyncio
import time

from voicebot.operations.drain import Drain, DrainState


async def test_a_draining_process_refuses_new_calls_and_says_so() -> None:
    drain = Drain(limit=1.0, linger=0.0)
    assert drain.admit("CA1")
    assert drain.begin()
    assert not drain.begin()  # already draining
    assert not drain.admit("CA2")
    assert drain.refused == 1
    assert drain.describe()["state"] == "draining"


async def test_calls_that_finish_in_time_are_not_cut() -> None:
    drain = Drain(limit=5.0, linger=0.0)
    stopped: list[str] = []
    drain.started("CA1", lambda: stopped.append("CA1"), needs_action=False)
    finishing = asyncio.create_task(drain.finish())
    await asyncio.sleep(0.1)
    assert not finishing.done()
    began = time.monotonic()
    drain.ended("CA1")
    await asyncio.wait_for(finishing, 2)
    assert time.monotonic() - began < 0.5
    assert stopped == [] and drain.cut == []
    assert drain.state is DrainState.DRAINED


async def test_calls_still_running_at_the_limit_are_told_to_hand_over() -> None:
    drain = Drain(limit=0.3, linger=0.0)
    drain.started("CA1", lambda: asyncio.get_running_loop().call_later(0.1, drain.ended, "CA1"),
                  needs_action=False)
    began = time.monotonic()
    await asyncio.wait_for(drain.finish(), 3)
    assert drain.cut == ["CA1"]
    assert 0.3 <= time.monotonic() - began < 1.5
    assert drain.in_progress == 0


async def test_it_waits_for_twilio_to_ask_the_action_url_and_fetch_the_whisper() -> None:
    drain = Drain(limit=5.0, linger=5.0)
    drain.started("CA1", lambda: None, needs_action=True)
    drain.ended("CA1")
    finishing = asyncio.create_task(drain.finish())
    await asyncio.sleep(0.2)
    assert not finishing.done()
    drain.action_served("CA1", whisper=True)
    await asyncio.sleep(0.2)
    assert not finishing.done()  # the agent's phone has yet to fetch the whisper
    drain.whisper_served("CA1")
    await asyncio.wait_for(finishing, 2)


async def test_the_linger_bounds_the_wait_for_twilio() -> None:
    drain = Drain(limit=5.0, linger=0.3)
    drain.started("CA1", lambda: None, needs_action=True)
    drain.ended("CA1")
    began = time.monotonic()
    await asyncio.wait_for(drain.finish(), 3)
    assert 0.3 <= time.monotonic() - began < 1.5


async def test_a_call_answered_just_before_the_signal_is_waited_for() -> None:
    drain = Drain(limit=5.0, linger=0.0)
    assert drain.admit("CA1")  # the webhook was answered; the media stream is on its way
    finishing = asyncio.create_task(drain.finish())
    await asyncio.sleep(0.2)
    assert not finishing.done()
    drain.started("CA1", lambda: None, needs_action=False)
    drain.ended("CA1")
    await asyncio.wait_for(finishing, 2)


async def test_hurrying_hands_over_at_once() -> None:
    drain = Drain(limit=60.0, linger=60.0)
    drain.started("CA1", lambda: drain.ended("CA1"), needs_action=True)
    finishing = asyncio.create_task(drain.finish())
    await asyncio.sleep(0.1)
    drain.hurry()
    await asyncio.wait_for(finishing, 3)
    assert drain.cut == ["CA1"]


async def test_behind_a_proxy_siblings_take_new_streams_and_follow_up_requests() -> None:
    drain = Drain(limit=5.0, linger=5.0, siblings=True)
    assert drain.admit("CA1")  # its stream will go to a sibling
    drain.started("CA2", lambda: None, needs_action=True)
    drain.ended("CA2")  # its action URL may be answered by any process
    began = time.monotonic()
    await asyncio.wait_for(drain.finish(), 2)
    assert time.monotonic() - began < 0.5
    assert not drain.accepting()
