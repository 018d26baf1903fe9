"""The browser phone in real headless Chromium, with a fake microphone fed from a WAV file."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import shutil
import subprocess
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from telephony.browser.routes import make_router
from tests.conftest import serving
from tests.telephony.twilio.handlers import EchoBot, Recorder, until
from voicebot.config import Settings
from voicebot.web.shield import protect

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")


def caller_wav(path: Path) -> Path:
    """0.6 s of a loud 300 Hz tone then 1 s of quiet, at 16 kHz (Chromium loops it)."""
    rate = 16_000
    t = np.arange(int(0.6 * rate)) / rate
    speech = (np.sin(2 * np.pi * 300 * t) * 0.5 * 32767).astype("<i2")
    audio = np.concatenate([speech, np.zeros(rate, dtype="<i2")])
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(audio.tobytes())
    return path


@contextlib.asynccontextmanager
async def chromium(url: str, wav: Path, profile: Path) -> AsyncIterator[ClientConnection]:
    """Headless Chromium on ``url``; yields a DevTools connection to the page."""
    process = await asyncio.create_subprocess_exec(
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile}", "--remote-debugging-port=0",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}", "--autoplay-policy=no-user-gesture-required",
        url, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        address = ""
        async with asyncio.timeout(30):
            while not address:
                line = (await process.stderr.readline()).decode(errors="replace")
                if not line:
                    raise RuntimeError("chromium exited before DevTools was listening")
                if found := re.search(r"DevTools listening on ws://([^/]+)/", line):
                    address = found.group(1)
        async with httpx.AsyncClient(trust_env=False) as http:
            async with asyncio.timeout(20):
                while True:
                    targets = (await http.get(f"http://{address}/json/list")).json()
                    pages = [t for t in targets if t.get("type") == "page" and "/phone" in t["url"]]
                    if pages:
                        break
                    await asyncio.sleep(0.1)
        async with connect(pages[0]["webSocketDebuggerUrl"], proxy=None,
                           max_size=None) as devtools:
            yield devtools
    finally:
        process.kill()
        await process.wait()


_ids = itertools.count(1)


async def evaluate(devtools: ClientConnection, expression: str) -> Any:
    ident = next(_ids)
    await devtools.send(json.dumps({"id": ident, "method": "Runtime.evaluate",
                                    "params": {"expression": expression,
                                               "returnByValue": True}}))
    while True:
        reply = json.loads(await devtools.recv())
        if reply.get("id") == ident:
            if "error" in reply:  # e.g. no execution context yet while the page loads
                raise RuntimeError(reply["error"].get("message", "DevTools error"))
            return reply["result"]["result"].get("value")


async def page_until(devtools: ClientConnection, expression: str, within: float) -> Any:
    async with asyncio.timeout(within):
        while True:
            with contextlib.suppress(RuntimeError):  # the page is still loading
                if value := await evaluate(devtools, expression):
                    return value
            await asyncio.sleep(0.2)


async def test_a_browser_call_is_heard_answered_and_hung_up(tmp_path: Path,
                                                             settings: Settings) -> None:
    bot, recorder = EchoBot(greeting_seconds=0.4), Recorder()
    app = FastAPI()
    protect(app, settings)  # the service's front door: its CSP must let the page work
    app.include_router(make_router(bot, recorder))
    wav = caller_wav(tmp_path / "caller.wav")
    async with serving(app) as base, chromium(f"{base}/phone?autostart=1", wav,
                                              tmp_path / "profile") as page:
        await page_until(page, "document.getElementById('status').dataset.state === 'live'"
                         " && window.phone.stats.framesOut > 0", 20)
        await until(lambda: bot.echoes >= 1, 20)  # the bot heard the fake microphone speak
        # What arrived is the WAV's 0.6 s 300 Hz tone: capture, resampling and mu-law are right.
        heard = np.frombuffer(bot.utterances[0], dtype="<i2").astype(np.float64)
        assert 0.5 <= len(heard) / 8000 <= 0.75
        spectrum = np.abs(np.fft.rfft(heard * np.hanning(len(heard))))
        assert abs(np.argmax(spectrum) * 8000 / len(heard) - 300) < 15
        stats = await page_until(
            page, "window.phone.stats.framesIn >= 45 && window.phone.stats.marks >= 2"
            " && window.phone.stats", 10)
        # The greeting (20 frames) and the echo of 0.6 s of speech (about 30) reached the page,
        # and its marks came back only after that audio had played.
        assert stats["framesIn"] >= 45 and stats["marks"] >= 2
        assert int(await evaluate(page, "document.getElementById('frames-in').textContent")) >= 45

        # The service named the call to the page; with no event stream served here (telephony
        # alone), the transcript says so once instead of retrying.
        assert await evaluate(page, "window.phone.callSid") == bot.calls[0]
        assert "no live transcript" in await page_until(
            page, "document.getElementById('transcript').textContent", 5)
        await evaluate(page, "document.querySelectorAll('#keys button')[4].click()")
        await until(lambda: bot.digits == ["5"], 5)
        await evaluate(page, "document.getElementById('hangup').click()")
        await until(lambda: bool(bot.stopped), 5)
        assert await page_until(page, "document.getElementById('status').dataset.state"
                                " === 'ended'", 5)
        link = await evaluate(page, "document.getElementById('record-link').href")
        assert link == f"{base}/api/calls/{bot.calls[0]}"
    call_sid = bot.calls[0]
    assert call_sid.startswith("BR") and bot.stopped == {call_sid: "stop"}
    assert recorder.ringing == [(call_sid, "browser", "")] and recorder.dropped == []


async def test_the_page_is_served(tmp_path: Path) -> None:
    app = FastAPI()
    app.include_router(make_router(EchoBot()))
    async with serving(app) as base, httpx.AsyncClient(trust_env=False) as http:
        redirect = await http.get(f"{base}/phone")
        page = await http.get(f"{base}/phone/")
        script = await http.get(f"{base}/phone/phone.js")
        worklet = await http.get(f"{base}/phone/capture.js")
        style = await http.get(f"{base}/phone/phone.css")
        missing = await http.get(f"{base}/phone/routes.py")
    assert redirect.status_code == 307 and redirect.headers["location"] == "phone/"
    assert page.status_code == 200 and 'src="phone.js"' in page.text
    assert script.headers["content-type"].startswith("text/javascript")
    assert "getUserMedia" in script.text
    assert "registerProcessor" in worklet.text and "<style" not in page.text  # CSP: no inline
    assert style.headers["content-type"].startswith("text/css")
    async with serving(app) as base, httpx.AsyncClient(trust_env=False) as http:
        transcript = await http.get(f"{base}/phone/transcript.js")
    assert 'src="transcript.js"' in page.text and "X-Call-Token" in transcript.text
    assert missing.status_code == 404
