"""The agent desktop in headless Chromium: log in, see a transfer arrive, claim it, close it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import serving
from tests.web.chromium import CHROMIUM, Page, chromium
from tests.web.conftest import PASSWORDS, Service, log_in, transfer_call
from voicebot.events import CallEvent, CallEventType
from voicebot.records import HandoffQueue
from voicebot.storage import sqlite_url

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The pages are the same on either engine (tests/web/test_desktop.py covers both)."""
    return sqlite_url(tmp_path / "state" / "voicebot.db")


async def submit_login(page: Page, username: str, password: str) -> None:
    await page.evaluate(
        f"document.getElementById('username').value = {json.dumps(username)};"
        f"document.getElementById('password').value = {json.dumps(password)};"
        "window.__leaving = true; document.getElementById('login').requestSubmit(); true")


def row(sid: str) -> str:
    return f"document.querySelector('#queue li[data-sid={json.dumps(sid)}]')"


async def test_an_agent_takes_a_transferred_call(service: Service, tmp_path: Path) -> None:
    async with serving(service.app) as base, chromium(tmp_path / "profile") as page:
        await page.goto(f"{base}/desktop/")
        await page.wait_for("location.pathname === '/desktop/login'")

        await submit_login(page, "alice", "wrong-password-here")
        refusal = await page.wait_for(
            "!window.__leaving && document.readyState === 'complete' && "
            "document.getElementById('message').textContent")
        assert refusal == "That username and password do not match. Please try again."

        await submit_login(page, "alice", PASSWORDS["alice"])
        await page.wait_for("location.pathname === '/desktop/' && "
                            "document.getElementById('connection').textContent === 'live'")
        assert await page.text("me") == "Alice Smith"
        assert await page.evaluate(f"{row('CA1')} === null")

        sent = time.monotonic()
        transfer_call(service.events, "CA1")
        await page.wait_for(f"{row('CA1')} !== null", within=3)
        elapsed = time.monotonic() - sent
        assert elapsed < 1.0, f"the transfer took {elapsed:.2f} s to appear"
        listed = await page.evaluate(f"{row('CA1')}.textContent")
        assert "Council tax" in listed and "moving home" in listed and "verified" in listed
        assert "+447700900123" in listed  # verified callers are shown in full
        assert "emergency" not in listed
        transfer_call(service.events, "CA2", team="housing", emergency=True)
        urgent = await page.wait_for(f"{row('CA2')}?.textContent", within=3)
        assert "emergency" in urgent  # an emergency transfer is marked in the queue

        await page.evaluate(f"{row('CA1')}.click(); true")
        await page.wait_for("!document.getElementById('detail').hidden")
        assert await page.text("d-summary") == (
            "Council tax enquiry, account verified, caller is moving home")
        assert await page.text("d-verified") == "Yes"
        assert "1 High Street, LS6 2QT" in await page.text("d-slots")
        assert "12345678" in await page.text("d-slots")
        transcript = await page.text("d-transcript")
        assert "Hello, how can I help?" in transcript
        assert "[redacted number]" in transcript and "4111" not in transcript
        assert (await page.text("d-wait")).endswith("s")

        await page.evaluate("document.getElementById('claim').click(); true")
        await page.wait_for("document.getElementById('d-state').textContent === "
                            "'Claimed by you'")
        await page.wait_for("document.getElementById('message').textContent === "
                            "'You have claimed this call.'")  # the live update may come first
        await page.evaluate(
            "document.getElementById('outcome').value = 'resolved';"
            "document.getElementById('note').value = 'Moved the account to the new address';"
            "document.getElementById('close').click(); true")
        await page.wait_for(f"{row('CA1')} === null")  # the live update may come first
        await page.wait_for("document.getElementById('message').textContent === "
                            "'Call closed. Thank you.'")
        closed = HandoffQueue(service.records).get("CA1")
        assert closed is not None
        assert (closed["state"], closed["outcome"], closed["claimed_by"]) == (
            "closed", "resolved", "alice")
        assert closed["note"] == "Moved the account to the new address"
        await page.goto("about:blank")  # closes the event stream
    service.live.close()


async def test_the_second_agent_is_told_the_call_is_taken(service: Service,
                                                          tmp_path: Path) -> None:
    async with serving(service.app) as base, chromium(tmp_path / "profile") as page, \
            httpx.AsyncClient(base_url=base, trust_env=False) as bob:
        await page.goto(f"{base}/desktop/login")
        await submit_login(page, "alice", PASSWORDS["alice"])
        await page.wait_for("document.getElementById('connection')?.textContent === 'live'")
        transfer_call(service.events, "CA2", verified=False, caller="+447700900456")
        await page.wait_for(f"{row('CA2')} !== null")
        assert "+44 7*** ***456" in await page.evaluate(f"{row('CA2')}.textContent")
        await page.evaluate(f"{row('CA2')}.click(); true")
        await page.wait_for("!document.getElementById('claim').hidden")

        await log_in(bob, "bob")
        assert (await bob.post("/desktop/api/calls/CA2/claim")).status_code == 200
        await page.evaluate("document.getElementById('claim').click(); true")
        message = await page.wait_for("document.getElementById('message').textContent")
        assert message == "This call has already been taken by bob."
        await page.wait_for("document.getElementById('d-state').textContent === "
                            "'Taken by bob'")
        assert await page.evaluate("document.getElementById('claim').hidden")
        await page.goto("about:blank")
    service.live.close()


async def test_a_welsh_callers_language_is_shown_to_the_agent(service: Service,
                                                              tmp_path: Path) -> None:
    async with serving(service.app) as base, chromium(tmp_path / "profile") as page:
        await page.goto(f"{base}/desktop/")
        await page.wait_for("location.pathname === '/desktop/login'")
        await submit_login(page, "alice", PASSWORDS["alice"])
        await page.wait_for("location.pathname === '/desktop/' && "
                            "document.getElementById('connection').textContent === 'live'")
        service.events(CallEvent(CallEventType.CALL_START, "CY1", {"from": "+447700900124"}))
        service.events(CallEvent(CallEventType.LANGUAGE, "CY1", {"language": "cy"}))
        transfer_call(service.events, "CY1", team="general")
        transfer_call(service.events, "EN1", team="general")
        await page.wait_for(f"{row('CY1')} !== null && {row('EN1')} !== null", within=3)
        assert "Cymraeg (Welsh)" in await page.evaluate(f"{row('CY1')}.textContent")
        assert "Cymraeg" not in await page.evaluate(f"{row('EN1')}.textContent")
        await page.evaluate(f"{row('CY1')}.click(); true")
        await page.wait_for("!document.getElementById('detail').hidden")
        assert await page.text("d-language") == "Cymraeg (Welsh)"
