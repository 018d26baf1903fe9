"""The call-back queue in headless Chromium: two agents, one call back; one claims it, the
other is told it is taken, the first marks it done and it leaves both queues."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import serving
from tests.web.chromium import CHROMIUM, Page, chromium
from tests.web.conftest import PASSWORDS, Service
from tests.web.test_desktop_browser import submit_login
from tests.web.test_follow_ups import HOUR, book_callback
from voicebot.records import FollowUps
from voicebot.storage import sqlite_url

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The page is the same on either engine (tests/web/test_follow_ups.py covers both)."""
    return sqlite_url(tmp_path / "state" / "voicebot.db")


def item(ident: int) -> str:
    return f"document.querySelector('#callbacks li[data-id={json.dumps(str(ident))}]')"


async def open_queue(page: Page, base: str, agent: str) -> None:
    await page.goto(f"{base}/desktop/login")
    await submit_login(page, agent, PASSWORDS[agent])
    await page.wait_for("location.pathname === '/desktop/'")
    await page.goto(f"{base}/desktop/callbacks")
    await page.wait_for("document.getElementById('connection').textContent === 'up to date'")


async def click(page: Page, element_id: str) -> None:
    await page.evaluate(f"document.getElementById({json.dumps(element_id)}).click(); true")


async def test_two_agents_one_call_back_claim_and_done(service: Service, tmp_path: Path) -> None:
    book_callback(service.events, "CB1", starts_in=-HOUR, reason="I want a payment plan")
    [entry] = FollowUps(service.records).callbacks()
    ident = entry["id"]
    async with serving(service.app) as base, \
            chromium(tmp_path / "alice") as alice, chromium(tmp_path / "bob") as bob:
        await open_queue(alice, base, "alice")
        await open_queue(bob, base, "bob")
        for page in (alice, bob):
            listed = await page.wait_for(f"{item(ident)}?.textContent")
            assert "Council tax" in listed and "07700900123" in listed
            assert "I want a payment plan" in listed and "Due now" in listed
            await page.evaluate(f"{item(ident)}.click(); true")
            await page.wait_for("!document.getElementById('cb-detail').hidden && "
                                "!document.getElementById('cb-claim').hidden")
        assert "put me through to someone" in await alice.text("cb-transcript")

        await click(alice, "cb-claim")
        await alice.wait_for("document.getElementById('cb-state').textContent === "
                             "'Due now, claimed by you'")
        assert await alice.text("message") == "You have claimed this call back."
        assert not await alice.evaluate("document.getElementById('cb-mine').hidden")

        await click(bob, "cb-claim")
        told = await bob.wait_for("document.getElementById('message').textContent")
        assert told == "This call back has already been taken by alice."
        await bob.wait_for("document.getElementById('cb-state').textContent === "
                           "'Due now, taken by alice'")
        assert await bob.evaluate("document.getElementById('cb-claim').hidden")
        assert await bob.evaluate("document.getElementById('cb-mine').hidden")

        await alice.evaluate("document.getElementById('cb-note').value = "
                             "'Set up a monthly plan'; true")
        await click(alice, "cb-done")
        await alice.wait_for(f"{item(ident)} === null")
        assert await alice.text("message") == "Call back done. Thank you."
        await bob.wait_for(f"{item(ident)} === null", within=8)  # its next refresh
        await bob.wait_for("document.getElementById('cb-state').textContent === "
                           "'Done by alice'")
        for page in (alice, bob):
            await page.goto("about:blank")
    done = FollowUps(service.records).callback(ident)
    assert done is not None
    assert (done["state"], done["closed_by"]) == ("done", "alice")
    assert [n["text"] for n in done["notes"]] == ["Set up a monthly plan"]


async def test_a_supervisor_sees_the_out_of_hours_figures_and_charts(
        service: Service, tmp_path: Path) -> None:
    book_callback(service.events, "OD1", starts_in=-5 * HOUR)  # overdue
    book_callback(service.events, "CB2")
    async with serving(service.app) as base, chromium(tmp_path / "sue") as sue:
        await sue.goto(f"{base}/desktop/login")
        await submit_login(sue, "sue", PASSWORDS["sue"])
        await sue.wait_for("location.pathname === '/desktop/'")
        await sue.goto(f"{base}/desktop/supervisor")
        await sue.wait_for("document.getElementById('ah-requested').textContent === '2'")
        assert await sue.text("ah-overdue") == "1"
        assert "07700900123" in await sue.text("ah-overdue-list")
        for chart in ("ah-by-hour", "ah-by-weekday"):
            await sue.wait_for(f"document.getElementById('{chart}').complete && "
                               f"document.getElementById('{chart}').naturalWidth > 0")
        csv_link = await sue.evaluate("document.getElementById('ah-csv').href")
        assert "format=csv" in csv_link and "from=" in csv_link
        await sue.goto("about:blank")
