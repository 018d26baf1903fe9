"""The desktop and API assembled the way the app does it, over a real database (each engine)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from voicebot.commands.passwords import hash_password
from voicebot.config import Settings, load_settings
from voicebot.events import CallEvent, CallEventType, EventSink, fan_out
from voicebot.records import CallRecords
from voicebot.web.api import make_api_router
from voicebot.web.desktop import make_desktop_router
from voicebot.web.live import LiveQueue
from voicebot.web.shield import protect
from voicebot.web.throttle import LoginThrottle

PASSWORDS = {"alice": "alice-password-1", "bob": "bob-password-22", "sue": "supervisor-333"}


@dataclass
class Service:
    """What a test drives: the app, the event sink the calls feed, and the stores behind it."""

    app: FastAPI
    events: EventSink
    records: CallRecords
    live: LiveQueue
    settings: Settings


def desk_settings(tmp_path: Path, **overrides: Any) -> Settings:
    agents = [
        {"username": "alice", "password_hash": hash_password(PASSWORDS["alice"], rounds=4),
         "name": "Alice Smith"},
        {"username": "bob", "password_hash": hash_password(PASSWORDS["bob"], rounds=4)},
        {"username": "sue", "password_hash": hash_password(PASSWORDS["sue"], rounds=4),
         "role": "supervisor", "name": "Sue Visor"},
    ]
    values: dict[str, Any] = {"state_dir": tmp_path / "state", "agents": agents,
                              "session_secret": "test-secret", "api_token": "api-token-123"}
    values.update(overrides)
    return load_settings(**values)


def build_service(settings: Settings, throttle: LoginThrottle | None = None) -> Service:
    """The lead's wiring in miniature: one records store, one live queue, both routers."""
    records = CallRecords(settings.database_url, retention_days=settings.retention_days)
    live = LiveQueue(records.database)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    protect(app, settings)
    app.include_router(make_api_router(records, settings))
    app.include_router(make_desktop_router(records, settings, live, throttle=throttle))
    return Service(app, fan_out(records, live), records, live, settings)


async def log_in(http: httpx.AsyncClient, username: str, password: str | None = None,
                 headers: dict[str, str] | None = None) -> httpx.Response:
    """Log in as a browser does: fetch the form (its token and cookie), then post it.

    After a successful login the client sends the session's CSRF token on every request, as
    the desktop's script does.
    """
    form = await http.get("/desktop/login")
    token = page_token(form.text, 'name="csrf" value="')
    response = await http.post("/desktop/login", headers=headers or {}, data={
        "username": username, "csrf": token,
        "password": PASSWORDS[username] if password is None else password})
    if response.status_code == 303 and response.headers["location"] == "/desktop/":
        desk = await http.get("/desktop/")
        http.headers["X-CSRF-Token"] = page_token(desk.text, 'name="csrf-token" content="')
    return response


def page_token(page: str, before: str) -> str:
    found = re.search(re.escape(before) + r'([^"]+)"', page)
    assert found, f"no CSRF token in the page: {page[:300]}"
    return found.group(1)


@pytest.fixture
def service(settings: Settings, tmp_path: Path, database_url: str) -> Iterator[Service]:
    built = build_service(desk_settings(tmp_path, database_url=database_url))
    yield built
    built.live.close()
    built.records.close()


def transfer_call(events: EventSink, sid: str, *, team: str = "council_tax",
                  verified: bool = True, caller: str = "+447700900123",
                  emergency: bool = False) -> None:
    """A call that ends in a transfer, as CallSession reports it."""
    events(CallEvent(CallEventType.CALL_START, sid, {"from": caller, "to": "+441130000000"}))
    events(CallEvent(CallEventType.SAY, sid, {"text": "Hello, how can I help?",
                                              "interrupted": False}))
    events(CallEvent(CallEventType.TRANSCRIPT, sid, {
        "text": "I'm moving home, my card is 4111 1111 1111 1111", "confidence": 0.9}))
    events(CallEvent(CallEventType.INTENT, sid, {"intent": "council_tax_move", "score": 0.8}))
    events(CallEvent(CallEventType.SLOT, sid, {"name": "account", "value": "12345678"}))
    events(CallEvent(CallEventType.SLOT, sid, {"name": "address",
                                               "value": "1 High Street, LS6 2QT"}))
    if verified:
        events(CallEvent(CallEventType.VERIFIED, sid, {}))
    events(CallEvent(CallEventType.TRANSFER, sid, {
        "team": team, "reason": "moving home",
        "summary": "Council tax enquiry, account verified, caller is moving home",
        "verified": verified, "emergency": emergency,
        "slots": {"account": "12345678", "address": "1 High Street, LS6 2QT"}}))
    events(CallEvent(CallEventType.CALL_END, sid, {"outcome": "transferred",
                                                   "reason": "moving home"}))
