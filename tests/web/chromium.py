"""Headless Chromium driven over the DevTools protocol (a websocket), for desktop tests."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run")


class Page:
    """One browser tab: run JavaScript in it and wait for the page to reach a state."""

    def __init__(self, devtools: ClientConnection) -> None:
        self._devtools = devtools
        self._ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        await self._devtools.send(json.dumps({"id": message_id, "method": method,
                                              "params": params}))
        while True:
            reply = json.loads(await self._devtools.recv())
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression,
                                 awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, within: float = 5.0) -> Any:
        """Poll ``expression`` until it is truthy; its value is returned."""
        async with asyncio.timeout(within):
            while True:
                with contextlib.suppress(RuntimeError):  # mid-navigation
                    if value := await self.evaluate(expression):
                        return value
                await asyncio.sleep(0.03)

    async def goto(self, url: str) -> None:
        """Open ``url`` and wait until the new document (wherever it redirected) has loaded."""
        await self.evaluate("window.__leaving = true")
        await self.send("Page.navigate", url=url)
        await self.wait_for("!window.__leaving && document.readyState === 'complete'")

    async def text(self, element_id: str) -> str:
        return str(await self.evaluate(f"document.getElementById({json.dumps(element_id)})"
                                       ".textContent"))


@contextlib.asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[Page]:
    """A fresh headless Chromium (its own profile, so its own cookies) on a blank page."""
    process = await asyncio.create_subprocess_exec(
        CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
        "about:blank", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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
                pages: list[dict[str, Any]] = []
                while not pages:
                    targets = (await http.get(f"http://{address}/json/list")).json()
                    pages = [t for t in targets if t.get("type") == "page"]
                    await asyncio.sleep(0.05)
        async with connect(pages[0]["webSocketDebuggerUrl"], proxy=None,
                           max_size=None) as devtools:
            yield Page(devtools)
    finally:
        process.kill()
        await process.wait()
