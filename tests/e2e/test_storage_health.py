"""/healthz tells the truth about storage: while call records cannot be written it answers 503
"degraded" (with the details for API access), and "ok" again once they are stored."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.conftest import serving
from tests.voicebot.storage.test_writer import hold_lock
from voicebot.app import create_app
from voicebot.config import load_settings


async def health(url: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(trust_env=False) as http:
        return await http.get(f"{url}/healthz", headers=headers)


async def until(url: str, code: int, seconds: float = 20.0) -> httpx.Response:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (answer := await health(url)).status_code != code:
        assert loop.time() < deadline, answer.text
        await asyncio.sleep(0.2)
    return answer


async def test_healthz_says_when_call_records_are_not_being_stored(tmp_path: Path) -> None:
    settings = load_settings(state_dir=tmp_path, api_token="api-secret")
    app = create_app(settings)
    async with serving(app) as url:
        before = await health(url)
        records = app.state.service.records
        holder = await asyncio.to_thread(hold_lock, settings.database, 6.0)
        records.call_ringing("CAlocked", "+447700900123", "+441130000000")
        degraded = await until(url, 503)
        detailed = await health(url, "api-secret")
        await asyncio.to_thread(holder.join)
        recovered = await until(url, 200)
        stored = await asyncio.to_thread(records.get_call, "CAlocked")
    assert before.json() == {"status": "ok"}
    assert degraded.json() == {"status": "degraded"}
    storage = detailed.json()["storage"]
    assert storage["state"] == "retrying" and "locked" in storage["last_error"]
    assert recovered.json() == {"status": "ok"}
    assert stored is not None
