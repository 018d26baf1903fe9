"""The draining server in this process: a signal drains first, and only then does uvicorn stop.

The real SIGTERM to a real ``voicebot serve`` is in tests/e2e/test_drain.py; here the signal
handler's work is called directly, so the server's order of events can be checked quickly.
"""

from __future__ import annotations

import asyncio
import signal

import httpx
import uvicorn
from fastapi import FastAPI

from tests.conftest import unused_port
from voicebot.config import load_settings
from voicebot.operations.drain import Drain
from voicebot.operations.metrics import Metrics
from voicebot.operations.routes import make_operations_router
from voicebot.operations.server import DrainingServer
from voicebot.web.access import ApiAccess


async def started(drain: Drain) -> tuple[DrainingServer, asyncio.Task[None], str]:
    app = FastAPI()
    app.include_router(make_operations_router(drain, Metrics(), ApiAccess(load_settings())))
    port = unused_port()
    drained: list[bool] = []
    server = DrainingServer(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None),
                            drain, on_drained=lambda: drained.append(True))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # it failed to start: say why
        await asyncio.sleep(0.02)
    return server, task, f"http://127.0.0.1:{port}"


async def test_a_signal_drains_while_still_serving_then_stops() -> None:
    drain = Drain(limit=30.0, linger=0.0)
    ended = asyncio.Event()
    drain.started("CA1", ended.set, needs_action=False)
    server, task, url = await started(drain)
    server.request_drain(signal.SIGTERM)
    async with httpx.AsyncClient() as http:
        await asyncio.sleep(0.2)
        ready = await http.get(f"{url}/healthz/ready")
        live = await http.get(f"{url}/healthz/live")
    assert (ready.status_code, live.status_code) == (503, 200)  # still serving, not ready
    assert not task.done() and not server.should_exit
    server.request_drain(signal.SIGTERM)  # repeated: only logged
    assert not server.should_exit
    drain.ended("CA1")  # the last call finishes
    await asyncio.wait_for(task, 5)
    assert not ended.is_set()  # it finished by itself: never told to hand over


async def test_a_second_interrupt_hands_the_calls_over_at_once() -> None:
    drain = Drain(limit=600.0, linger=600.0)
    drain.started("CA1", lambda: drain.ended("CA1"), needs_action=True)
    server, task, _ = await started(drain)
    server.request_drain(signal.SIGINT)
    await asyncio.sleep(0.1)
    server.request_drain(signal.SIGINT)
    await asyncio.wait_for(task, 5)
    assert drain.cut == ["CA1"]
