"""The agent desktop: log in, watch transferred calls arrive live, claim one, record how it went.

Plain HTML and JavaScript (no build step) under ``/desktop``. The queue is pushed with
server-sent events: the ``LiveQueue`` sink wakes each open page when a call is transferred,
claimed or closed, and every page resynchronises from the records now and then, so nothing is
missed across a reconnect. Supervisors also get today's figures.
"""

import asyncio
import html
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from pathlib import Path
from string import Template
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    StreamingResponse,
)
from pydantic import BaseModel, Field

from voicebot.config import Settings
from voicebot.records import CallRecords, ClaimError, HandoffQueue
from voicebot.reporting.figures import ServiceOf
from voicebot.web.access import origin_of
from voicebot.web.auth import COOKIE, SESSION_SECONDS, Accounts, Agent
from voicebot.web.csrf import FIELD, HEADER, LOGIN_COOKIE, CsrfTokens, new_form_cookie
from voicebot.web.follow_ups import add_follow_up_routes
from voicebot.web.live import EVERYTHING, LiveQueue
from voicebot.web.service_figures import add_service_figure_routes
from voicebot.web.sessions import Sessions
from voicebot.web.throttle import LoginThrottle

_LOGGER = logging.getLogger(__name__)
_HERE = Path(__file__).parent
_STATIC = {"page.js": "text/javascript", "desktop.js": "text/javascript",
           "supervisor.js": "text/javascript", "desktop.css": "text/css",
           "callbacks.js": "text/javascript",
           "after_hours.js": "text/javascript", "service_figures.js": "text/javascript"}
_PAGE_HEADERS = {"Cache-Control": "no-store"}
"""Pages hold call details: never cached. The security headers come from ``web.shield``."""
QUEUE_HOURS = 24
"""Unclosed transfers younger than this are shown in the queue."""
RESYNC_SECONDS = 15.0
"""Each open page gets the whole queue again this often (and that keeps proxies from timing out)."""
STREAM_SECONDS = 25.0
"""Each event stream ends after this and the browser reconnects (with a fresh snapshot), so a
graceful shutdown is never held up for long by open pages."""
# No ``from __future__ import annotations`` here: FastAPI must see the ``Depends`` of functions
# defined inside ``make_desktop_router``, which string annotations could not resolve.


class CloseRequest(BaseModel):
    """How the agent left the call; ``other`` needs a note saying what happened."""

    outcome: Literal["resolved", "callback", "other"]
    note: str = Field("", max_length=2000)


def _template(name: str) -> Template:
    return Template((_HERE / "templates" / name).read_text(encoding="utf-8"))


def _page(template: Template, status: int = 200, **values: str) -> HTMLResponse:
    body = template.safe_substitute({k: html.escape(v) for k, v in values.items()})
    return HTMLResponse(body, status_code=status, headers=_PAGE_HEADERS)


def make_desktop_router(
    records: CallRecords,
    settings: Settings,
    live: LiveQueue,
    *,
    throttle: LoginThrottle | None = None,
    clock: Callable[[], float] = time.time,
    sessions: Sessions | None = None,
    service_of: ServiceOf = str,
) -> APIRouter:
    """``/desktop/*``: login, the live queue, call context, claims, outcomes, figures."""
    accounts = Accounts(settings.agents)
    if not len(accounts):
        _LOGGER.warning("no agent accounts configured: nobody can log in to /desktop "
                        "(add one with `voicebot agents add`)")
    sessions = sessions or Sessions(records.database, lifetime=SESSION_SECONDS, clock=clock)
    csrf = CsrfTokens(settings.session_secret,
                      frozenset(filter(None, [origin_of(settings.public_url)])))
    throttle = LoginThrottle() if throttle is None else throttle
    handoffs = HandoffQueue(records)
    zone = ZoneInfo(settings.timezone)
    pages = {name: _template(f"{name}.html")
             for name in ("login", "desktop", "supervisor", "callbacks")}
    router = APIRouter(prefix="/desktop", include_in_schema=False)

    async def signed_in(request: Request) -> Agent | None:
        username = await asyncio.to_thread(sessions.username, request.cookies.get(COOKIE))
        return accounts.find(username) if username else None

    async def agent_api(request: Request) -> Agent:
        agent = await signed_in(request)
        if agent is None:
            raise HTTPException(401, "Your session has ended. Please log in again.")
        if request.method == "POST":
            csrf.check(request, request.cookies.get(COOKIE), request.headers.get(HEADER))
        return agent

    def supervisor_api(agent: Annotated[Agent, Depends(agent_api)]) -> Agent:
        if not agent.is_supervisor:
            raise HTTPException(403, "Only supervisors can see the figures.")
        return agent

    @router.get("")
    async def root() -> Response:
        return RedirectResponse("/desktop/", status_code=303)

    @router.get("/")
    async def desktop(request: Request) -> Response:
        agent = await signed_in(request)
        if agent is None:
            return RedirectResponse("/desktop/login", status_code=303)
        return _page(pages["desktop"], name=agent.display_name, username=agent.username,
                     role=agent.role, supervisor="" if agent.is_supervisor else "hidden",
                     csrf=csrf.token(request.cookies.get(COOKIE, "")))

    @router.get("/callbacks")
    async def callbacks_page(request: Request) -> Response:
        agent = await signed_in(request)
        if agent is None:
            return RedirectResponse("/desktop/login", status_code=303)
        return _page(pages["callbacks"], name=agent.display_name, username=agent.username,
                     role=agent.role, timezone=settings.timezone,
                     csrf=csrf.token(request.cookies.get(COOKIE, "")))

    @router.get("/supervisor")
    async def supervisor(request: Request) -> Response:
        agent = await signed_in(request)
        if agent is None:
            return RedirectResponse("/desktop/login", status_code=303)
        if not agent.is_supervisor:
            return login_form(403, "Only supervisors can see the figures.", "error")
        return _page(pages["supervisor"], name=agent.display_name, timezone=settings.timezone,
                     csrf=csrf.token(request.cookies.get(COOKIE, "")))

    def login_form(status: int = 200, message: str = "", state: str = "") -> Response:
        """The login page, bound to a fresh form cookie (the token is useless without it)."""
        form_cookie = new_form_cookie()
        response = _page(pages["login"], status, message=message, state=state,
                         csrf=csrf.login_token(form_cookie))
        response.set_cookie(LOGIN_COOKIE, form_cookie, max_age=3600, httponly=True,
                            samesite="strict", path="/desktop/login")
        return response

    @router.get("/login")
    async def login_page() -> Response:
        return login_form()

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await _form(request)
        form_cookie = request.cookies.get(LOGIN_COOKIE)
        try:
            csrf.check(request, f"login:{form_cookie}" if form_cookie else None, form.get(FIELD))
        except HTTPException as refused:
            return login_form(403, str(refused.detail), "error")
        username, password = form.get("username", "").strip(), form.get("password", "")
        address = request.client.host if request.client else "unknown"  # the real client's
        wait = throttle.retry_after(address, username)
        if wait > 0:
            minutes = max(1, round(wait / 60))
            _LOGGER.warning("desktop login refused for %r: too many failed attempts", username)
            return login_form(429, state="error",
                              message=f"Too many failed attempts. Try again in {minutes} minute"
                                      f"{'s' if minutes != 1 else ''}.")
        agent = await accounts.check(username, password) if username and password else None
        if agent is None:
            throttle.failed(address, username)
            _LOGGER.warning("desktop login failed for %r", username)
            return login_form(401, state="error",
                              message="That username and password do not match. "
                                      "Please try again.")
        throttle.succeeded(address, username)
        _LOGGER.info("desktop: %s logged in (%s)", agent.username, agent.role)
        response = RedirectResponse("/desktop/", status_code=303)
        token = await asyncio.to_thread(sessions.open, agent.username)
        response.set_cookie(COOKIE, token, max_age=SESSION_SECONDS, httponly=True,
                            samesite="strict", secure=request.url.scheme == "https",
                            path="/desktop")
        response.delete_cookie(LOGIN_COOKIE, path="/desktop/login")
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        form = await _form(request)
        if await signed_in(request) is not None:  # nothing to forge for a session already over
            csrf.check(request, request.cookies.get(COOKIE), form.get(FIELD))
        await asyncio.to_thread(sessions.end, request.cookies.get(COOKIE))
        response = RedirectResponse("/desktop/login", status_code=303)
        response.delete_cookie(COOKIE, path="/desktop")
        return response

    @router.get("/static/{name}")
    async def static(name: str) -> Response:
        if name not in _STATIC:
            raise HTTPException(404, "not found")
        return FileResponse(_HERE / "static" / name, media_type=_STATIC[name],
                            headers={"Cache-Control": "no-cache"})

    @router.get("/api/queue")
    async def queue(agent: Annotated[Agent, Depends(agent_api)]) -> dict[str, Any]:
        calls = await asyncio.to_thread(handoffs.waiting, clock() - QUEUE_HOURS * 3600)
        return {"now": clock(), "calls": calls}

    @router.get("/api/calls/{call_sid}")
    async def call(call_sid: str, agent: Annotated[Agent, Depends(agent_api)]) -> dict[str, Any]:
        entry = await asyncio.to_thread(handoffs.get, call_sid, True)
        if entry is None:
            raise HTTPException(404, "There is no transferred call with that reference.")
        return {"now": clock(), "call": entry}

    @router.post("/api/calls/{call_sid}/claim")
    async def claim(call_sid: str, agent: Annotated[Agent, Depends(agent_api)]) -> Response:
        return await _change(call_sid, lambda: handoffs.claim(call_sid, agent.username))

    @router.post("/api/calls/{call_sid}/close")
    async def close(call_sid: str, body: CloseRequest,
                    agent: Annotated[Agent, Depends(agent_api)]) -> Response:
        if body.outcome == "other" and not body.note.strip():
            raise HTTPException(422, "Please add a note saying what happened.")
        return await _change(call_sid, lambda: handoffs.close(
            call_sid, agent.username, body.outcome, body.note.strip(), agent.is_supervisor))

    async def _change(call_sid: str, change: Callable[[], dict[str, Any]]) -> Response:
        try:
            entry = await asyncio.to_thread(change)
        except ClaimError as err:
            code = 404 if err.status == "missing" else 409
            return JSONResponse({"detail": err.message, "status": err.status}, status_code=code)
        if not live.shared:  # a shared feed hears of the change from the store itself
            live.changed(call_sid)
        return JSONResponse({"now": clock(), "call": entry})

    @router.get("/api/figures")
    async def figures(agent: Annotated[Agent, Depends(supervisor_api)],
                      day: date | None = None) -> dict[str, Any]:
        wanted = day or datetime.fromtimestamp(clock(), zone).date()
        return await asyncio.to_thread(records.figures, wanted, zone)

    add_follow_up_routes(router, records, settings.timezone, agent_api, supervisor_api, clock)
    add_service_figure_routes(router, records, settings, supervisor_api, service_of)

    @router.get("/events")
    async def events(agent: Annotated[Agent, Depends(agent_api)]) -> StreamingResponse:
        return StreamingResponse(_stream(handoffs, live, clock), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    return router


async def _stream(handoffs: HandoffQueue, live: LiveQueue, clock: Callable[[], float]
                  ) -> AsyncIterator[str]:
    """The queue as server-sent events: a snapshot, then each changed call as it changes."""
    inbox = live.subscribe()
    ends = time.monotonic() + STREAM_SECONDS
    try:
        yield "retry: 500\n\n"
        while time.monotonic() < ends:
            since = clock() - QUEUE_HOURS * 3600
            calls = await asyncio.to_thread(handoffs.waiting, since)
            yield _sse("snapshot", {"now": clock(), "calls": calls})
            resync = time.monotonic() + RESYNC_SECONDS
            while (left := resync - time.monotonic()) > 0:
                try:
                    sid = await asyncio.wait_for(inbox.get(), left)
                except TimeoutError:
                    break
                if sid is None:
                    return
                if sid == EVERYTHING:  # notices may have been missed: send the whole queue
                    break
                entry = await asyncio.to_thread(handoffs.get, sid, True)
                if entry is not None:
                    yield _sse("call", {"now": clock(), "call": entry})
    finally:
        live.unsubscribe(inbox)


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n"


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > 8192:
        raise HTTPException(413, "The form is too large.")
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise HTTPException(400, "The form is not UTF-8.") from None
