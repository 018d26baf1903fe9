"""The agent desktop over HTTP: logins, throttling, claims, closes, figures, the live stream."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import serving
from tests.web.conftest import (
    PASSWORDS,
    Service,
    build_service,
    desk_settings,
    log_in,
    transfer_call,
)
from voicebot.config import Settings
from voicebot.web.auth import COOKIE
from voicebot.web.throttle import LoginThrottle


def browser(service: Service, host: str = "192.0.2.10") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=service.app, client=(host, 50_000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_wrong_logins_are_refused_clearly(service: Service) -> None:
    async with browser(service) as http:
        wrong = await log_in(http, "alice", "not-her-password")
        nobody = await log_in(http, "mallory", "whatever-password")
        empty = await log_in(http, "alice", "")
        page = await http.get("/desktop/", follow_redirects=False)
        api = await http.get("/desktop/api/queue")
    for refused in (wrong, nobody, empty):
        assert refused.status_code == 401
        assert "That username and password do not match" in refused.text
        assert COOKIE not in refused.cookies
    assert page.status_code == 303 and page.headers["location"] == "/desktop/login"
    assert api.status_code == 401


async def test_a_right_login_opens_the_desktop(service: Service) -> None:
    async with browser(service) as http:
        response = await log_in(http, "ALICE", PASSWORDS["alice"])  # any case will do
        page = await http.get("/desktop/")
        logout = await http.post("/desktop/logout",
                                 data={"csrf": http.headers["X-CSRF-Token"]})
        http.cookies.clear()
        after = await http.get("/desktop/api/queue")
    assert response.status_code == 303 and response.headers["location"] == "/desktop/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/desktop" in cookie
    assert page.status_code == 200 and "Alice Smith" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert logout.status_code == 303
    assert after.status_code == 401


async def test_repeated_failures_are_rate_limited(settings: Settings, tmp_path: Path) -> None:
    now = [1000.0]
    throttle = LoginThrottle(per_client=3, per_address=5, per_username=6, window=600,
                             clock=lambda: now[0])
    service = build_service(desk_settings(tmp_path), throttle=throttle)
    try:
        async with browser(service) as http, browser(service, host="192.0.2.99") as elsewhere:
            for _ in range(3):
                assert (await log_in(http, "bob", "guess-guess-guess")).status_code == 401
            locked = await log_in(http, "bob")  # even the right password waits
            other_address = await log_in(elsewhere, "bob")  # bob elsewhere is not this guesser
            alice_here = await log_in(http, "alice")  # this address is not locked for alice...
            for _ in range(2):
                await log_in(http, "mallory", "guess-guess-guess")
            spraying = await log_in(http, "sue")  # ...until it has failed 5 times in all
            for _ in range(3):  # bob guessed from a third of the way round the world
                await log_in(elsewhere, "bob", "guess-guess-guess")
            everywhere = await log_in(elsewhere, "bob")  # 6 failures: bob waits everywhere
            now[0] += 601
            later = await log_in(http, "bob")
        assert locked.status_code == 429
        assert "Too many failed attempts. Try again in 10 minutes." in locked.text
        assert other_address.status_code == 303 and alice_here.status_code == 303
        assert spraying.status_code == 429 and everywhere.status_code == 429
        assert later.status_code == 303
    finally:
        service.records.close()


async def test_forged_cookies_and_other_sites_are_refused(service: Service) -> None:
    async with browser(service) as http:
        await log_in(http, "alice")
        good = http.cookies[COOKIE]
        http.cookies.clear()
        forged = await http.get("/desktop/api/queue",
                                cookies={COOKIE: good[:-1] + ("A" if good[-1] != "A" else "B")})
        cross = await http.post("/desktop/api/calls/CA1/claim", cookies={COOKIE: good},
                                headers={"Origin": "https://evil.example"})
    assert forged.status_code == 401
    assert cross.status_code == 403


async def test_two_agents_claim_the_same_call(service: Service) -> None:
    transfer_call(service.events, "CA1")
    async with browser(service) as alice, browser(service, "192.0.2.11") as bob:
        await log_in(alice, "alice")
        await log_in(bob, "bob")
        first, second = await asyncio.gather(
            alice.post("/desktop/api/calls/CA1/claim"), bob.post("/desktop/api/calls/CA1/claim"))
        winner, loser = (alice, bob) if first.status_code == 200 else (bob, alice)
        taken = second if first.status_code == 200 else first
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        assert taken.json()["detail"].startswith("This call has already been taken by ")
        not_yours = await loser.post("/desktop/api/calls/CA1/close",
                                     json={"outcome": "resolved", "note": ""})
        needs_note = await winner.post("/desktop/api/calls/CA1/close",
                                       json={"outcome": "other", "note": " "})
        bad_outcome = await winner.post("/desktop/api/calls/CA1/close",
                                        json={"outcome": "sorted", "note": ""})
        closed = await winner.post("/desktop/api/calls/CA1/close",
                                   json={"outcome": "callback", "note": "Ring back Tuesday"})
        unknown = await winner.post("/desktop/api/calls/CA404/claim")
        queue = (await winner.get("/desktop/api/queue")).json()
    assert not_yours.status_code == 409 and "belongs to" in not_yours.json()["detail"]
    assert needs_note.status_code == 422 and bad_outcome.status_code == 422
    assert closed.status_code == 200
    assert closed.json()["call"]["outcome"] == "callback"
    assert closed.json()["call"]["note"] == "Ring back Tuesday"
    assert unknown.status_code == 404
    assert queue["calls"] == []


async def test_call_context_for_agents(service: Service) -> None:
    transfer_call(service.events, "CA1", verified=False, caller="+447700900456")
    async with browser(service) as http:
        await log_in(http, "alice")
        entry = (await http.get("/desktop/api/calls/CA1")).json()["call"]
        missing = await http.get("/desktop/api/calls/CA2")
    assert entry["caller"] == "+44 7*** ***456"  # not verified: masked
    assert entry["verified"] is False
    assert entry["reason"] == "moving home"
    assert entry["slots"]["address"] == "1 High Street, LS6 2QT"
    assert [t["who"] for t in entry["transcript"]] == ["bot", "caller"]
    assert "4111" not in json.dumps(entry)
    assert missing.status_code == 404


async def test_only_supervisors_see_figures(service: Service) -> None:
    transfer_call(service.events, "CA1")
    async with browser(service) as agent, browser(service) as supervisor:
        await log_in(agent, "alice")
        await log_in(supervisor, "sue")
        refused = await agent.get("/desktop/api/figures")
        page_refused = await agent.get("/desktop/supervisor")
        figures = await supervisor.get("/desktop/api/figures")
        page = await supervisor.get("/desktop/supervisor")
    assert refused.status_code == 403 and page_refused.status_code == 403
    assert figures.status_code == 200
    assert figures.json()["transferred"] == 1
    assert figures.json()["transfer_reasons"] == [
        {"team": "council_tax", "reason": "moving home", "count": 1}]
    assert page.status_code == 200 and "Sue Visor" in page.text


async def test_a_transfer_reaches_an_open_stream_within_a_second(service: Service) -> None:
    async with serving(service.app) as base, httpx.AsyncClient(base_url=base,
                                                              trust_env=False) as http:
        await log_in(http, "alice")
        async with http.stream("GET", "/desktop/events", timeout=10) as stream:
            lines = stream.aiter_lines()
            assert json.loads(await _next_event(lines, "snapshot"))["calls"] == []
            sent = time.monotonic()
            transfer_call(service.events, "CA1")
            entry = json.loads(await _next_event(lines, "call"))["call"]
            elapsed = time.monotonic() - sent
            assert entry["call_sid"] == "CA1" and entry["summary"].startswith("Council tax")
            assert elapsed < 1.0
            await http.post("/desktop/api/calls/CA1/claim")
            states: list[str] = []  # the call's end arrives too, before or after the claim
            while not states or states[-1] != "claimed":
                states.append(json.loads(await _next_event(lines, "call"))["call"]["state"])
            assert set(states) <= {"waiting", "claimed"}
            service.live.close()  # the service stopping ends open streams


async def _next_event(lines: object, name: str) -> str:
    event = ""
    async with asyncio.timeout(5):
        async for line in lines:  # type: ignore[attr-defined]
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == name:
                return str(line.removeprefix("data: "))
    raise AssertionError(f"stream ended before a {name!r} event")


@pytest.mark.parametrize("path", ["/desktop/static/desktop.js", "/desktop/static/desktop.css",
                                  "/desktop/static/supervisor.js", "/desktop/login"])
async def test_pages_and_assets_are_served(service: Service, path: str) -> None:
    async with browser(service) as http:
        response = await http.get(path)
        missing = await http.get("/desktop/static/../auth.py")
    assert response.status_code == 200 and response.text
    assert missing.status_code == 404
