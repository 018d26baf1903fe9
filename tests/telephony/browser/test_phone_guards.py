"""The browser phone's guards: another site cannot place calls, and only so many run at once."""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi import FastAPI
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from telephony.browser.routes import make_router
from tests.conftest import serving
from tests.telephony.twilio.handlers import EchoBot, until

START = {"event": "start", "streamSid": "MZ1", "start": {
    "streamSid": "MZ1", "callSid": "", "accountSid": "", "tracks": ["inbound"],
    "customParameters": {"from": "browser"},
    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}}


def phone_app(bot: EchoBot, **options: object) -> FastAPI:
    app = FastAPI()
    app.include_router(make_router(bot, **options))  # type: ignore[arg-type]
    return app


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1:1"])
async def test_a_socket_from_another_site_is_refused(origin: str) -> None:
    bot = EchoBot()
    async with serving(phone_app(bot)) as base:
        url = base.replace("http", "ws") + "/phone/media"
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url, origin=origin, proxy=None):  # type: ignore[arg-type]
                pass
        own = base.removesuffix("/")
        async with connect(url, origin=own, proxy=None) as socket:  # type: ignore[arg-type]
            await socket.send(json.dumps({"event": "connected"}))
            await socket.send(json.dumps(START))
            await until(lambda: len(bot.calls) == 1)
    assert refused.value.response.status_code == 403
    assert len(bot.calls) == 1


async def test_calls_beyond_the_cap_are_told_it_is_busy() -> None:
    bot = EchoBot()
    async with serving(phone_app(bot, max_calls=1)) as base:
        url = base.replace("http", "ws") + "/phone/media"
        async with connect(url, proxy=None) as first:
            await first.send(json.dumps({"event": "connected"}))
            await first.send(json.dumps(START))
            await until(lambda: len(bot.calls) == 1)
            second = await connect(url, proxy=None)
            with pytest.raises(ConnectionClosed) as busy:
                await second.recv()
            await second.close()
            assert busy.value.rcvd is not None and busy.value.rcvd.code == 1013
        await until(lambda: len(bot.stopped) == 1)  # the first has hung up: room again
        async with asyncio.timeout(5):
            while not await places_a_call(url):  # noqa: ASYNC110  (polls the server)
                await asyncio.sleep(0.05)  # its handler may still be finishing
        await until(lambda: len(bot.calls) == 2)


async def places_a_call(url: str) -> bool:
    async with connect(url, proxy=None) as socket:
        try:
            await socket.send(json.dumps({"event": "connected"}))
            await socket.send(json.dumps(START))
            await socket.recv()  # the bot's greeting, or the busy close
        except ConnectionClosed:
            return False
    return True
