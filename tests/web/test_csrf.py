"""Forged requests: a token per session on every state change, Origin and Referer on top."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse

from tests.conftest import serving
from tests.web.chromium import CHROMIUM, chromium
from tests.web.conftest import PASSWORDS, Service, log_in, transfer_call
from tests.web.test_desktop_browser import submit_login
from voicebot.records import HandoffQueue
from voicebot.web.csrf import LOGIN_COOKIE


def browser(service: Service) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=service.app, client=("192.0.2.10", 50_000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_state_changes_need_this_sessions_token(service: Service) -> None:
    transfer_call(service.events, "CA1")
    async with browser(service) as alice, browser(service) as bob:
        await log_in(alice, "alice")
        await log_in(bob, "bob")
        token = alice.headers.pop("X-CSRF-Token")
        claim = "/desktop/api/calls/CA1/claim"
        missing = await alice.post(claim)
        bobs = await alice.post(claim, headers={"X-CSRF-Token": bob.headers["X-CSRF-Token"]})
        null = await alice.post(claim, headers={"X-CSRF-Token": token, "Origin": "null"})
        elsewhere = await alice.post(claim, headers={"X-CSRF-Token": token,
                                                     "Referer": "https://evil.example/x"})
        logout = await alice.post("/desktop/logout")
        still_in = await alice.get("/desktop/api/queue")
        mine = await alice.post(claim, headers={"X-CSRF-Token": token,
                                                "Origin": "http://testserver"})
    for refused in (missing, bobs, null, elsewhere, logout):
        assert refused.status_code == 403
    assert null.json()["detail"] == "Requests from other sites are not accepted."
    assert missing.json()["detail"] == "This page has expired. Please reload it and try again."
    assert still_in.status_code == 200
    assert mine.status_code == 200


async def test_the_login_form_is_bound_to_its_cookie(service: Service) -> None:
    async with browser(service) as http:
        form = await http.get("/desktop/login")
        no_token = await http.post("/desktop/login", data={
            "username": "alice", "password": PASSWORDS["alice"]})
        http.cookies.delete(LOGIN_COOKIE)
        no_cookie = await http.post("/desktop/login", data={
            "username": "alice", "password": PASSWORDS["alice"], "csrf": "anything"})
        null_origin = await log_in(http, "alice", headers={"Origin": "null"})
    assert LOGIN_COOKIE in form.cookies and 'name="csrf"' in form.text
    for refused in (no_token, no_cookie, null_origin):
        assert refused.status_code == 403
        assert 'name="csrf" value="' in refused.text  # a fresh form to try again with
    assert "This page has expired" in no_token.text
    assert "Requests from other sites are not accepted." in null_origin.text


def attacker(target: str) -> FastAPI:
    """A page on another origin of the same site (another port of 127.0.0.1): it posts a form
    to itself, and its server redirects the post (307) to the desktop. Chromium follows with
    the agent's SameSite cookie and ``Origin: null``."""
    app = FastAPI()

    @app.get("/")
    async def page() -> HTMLResponse:
        return HTMLResponse('<form id="f" method="post" action="/go"></form>'
                            "<script>document.getElementById('f').submit()</script>")

    @app.post("/go")
    async def go() -> RedirectResponse:
        return RedirectResponse(target, status_code=307)

    return app


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")
async def test_a_forged_post_with_origin_null_is_refused(service: Service,
                                                        tmp_path: Path) -> None:
    transfer_call(service.events, "CA1")
    async with serving(service.app) as base, chromium(tmp_path / "profile") as page:
        await page.goto(f"{base}/desktop/login")
        await submit_login(page, "alice", PASSWORDS["alice"])
        await page.wait_for("document.getElementById('connection')?.textContent === 'live'")
        await page.goto("about:blank")
        async with serving(attacker(f"{base}/desktop/api/calls/CA1/claim")) as evil:
            await page.goto(evil + "/")
            body = await page.wait_for("location.pathname.endsWith('/claim') && "
                                       "document.body.innerText")
    service.live.close()
    entry = HandoffQueue(service.records).get("CA1")
    assert entry is not None and entry["state"] == "waiting"  # nobody claimed it
    assert "Requests from other sites are not accepted." in body
