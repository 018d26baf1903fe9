"""The desktop's call-back queue and messages, and the supervisors' out-of-hours figures.

Routes under ``/desktop/api`` added to the desktop's router (same login, same CSRF check on
every POST): list and read call backs (filtered by team and state), claim one, mark it done or
not reached, add a note, move it to another window; list messages and close one. Supervisors
get the out-of-hours figures for any range of days, as JSON, CSV, or SVG bar charts.
"""

# No ``from __future__ import annotations``: FastAPI must see the ``Depends`` of the routes
# defined inside ``add_follow_up_routes`` (see desktop.py).

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from voicebot.records import CallRecords, ClaimError, FollowUps
from voicebot.records.follow_up_figures import WEEKDAYS, as_csv, follow_up_figures
from voicebot.web.auth import Agent
from voicebot.web.bars import bar_chart
from voicebot.web.downloads import csv_download

Dependency = Callable[..., Any]


class Note(BaseModel):
    note: str = Field("", max_length=2000)


class NotReached(Note):
    give_up: bool = False
    """Close it as not reached (no more tries) instead of putting it back in the queue."""


class Reschedule(Note):
    start: datetime
    """The new window's start; a time without a zone is the council's local time."""
    end: datetime


def add_follow_up_routes(router: APIRouter, records: CallRecords, timezone: str,
                         agent_api: Dependency, supervisor_api: Dependency,
                         clock: Callable[[], float]) -> None:
    """The call-back queue, messages and out-of-hours figures, on the desktop's router."""
    queue = FollowUps(records)
    zone = ZoneInfo(timezone)
    AgentIn = Annotated[Agent, Depends(agent_api)]
    SupervisorIn = Annotated[Agent, Depends(supervisor_api)]

    async def changed(change: Callable[[], dict[str, Any]], key: str = "callback") -> Response:
        try:
            entry = await asyncio.to_thread(change)
        except ClaimError as err:
            code = 404 if err.status == "missing" else 409
            return JSONResponse({"detail": err.message, "status": err.status}, status_code=code)
        except ValueError as err:
            raise HTTPException(422, str(err)) from err
        return JSONResponse({"now": clock(), key: entry})

    @router.get("/api/callbacks")
    async def callbacks(agent: AgentIn, shown: Literal["open", "closed", "all"] = "open",
                        team: str | None = None) -> dict[str, Any]:
        listed = await asyncio.to_thread(queue.callbacks, shown, team or None)
        return {"now": clock(), "timezone": timezone, "callbacks": listed}

    @router.get("/api/callbacks/{ident}")
    async def callback(ident: int, agent: AgentIn) -> dict[str, Any]:
        entry = await asyncio.to_thread(queue.callback, ident)
        if entry is None:
            raise HTTPException(404, "There is no call back with that reference.")
        return {"now": clock(), "callback": entry}

    @router.post("/api/callbacks/{ident}/claim")
    async def claim(ident: int, agent: AgentIn) -> Response:
        return await changed(lambda: queue.claim(ident, agent.username))

    @router.post("/api/callbacks/{ident}/done")
    async def done(ident: int, body: Note, agent: AgentIn) -> Response:
        return await changed(lambda: queue.done(ident, agent.username, body.note,
                                                agent.is_supervisor))

    @router.post("/api/callbacks/{ident}/not-reached")
    async def not_reached(ident: int, body: NotReached, agent: AgentIn) -> Response:
        return await changed(lambda: queue.not_reached(
            ident, agent.username, body.note, body.give_up, agent.is_supervisor))

    @router.post("/api/callbacks/{ident}/note")
    async def note(ident: int, body: Note, agent: AgentIn) -> Response:
        if not body.note.strip():
            raise HTTPException(422, "Please write the note first.")
        return await changed(lambda: queue.note(ident, agent.username, body.note))

    @router.post("/api/callbacks/{ident}/reschedule")
    async def reschedule(ident: int, body: Reschedule, agent: AgentIn) -> Response:
        start, end = (_local(body.start, zone), _local(body.end, zone))
        return await changed(lambda: queue.reschedule(
            ident, agent.username, start, end, body.note, agent.is_supervisor))

    @router.get("/api/messages")
    async def messages(agent: AgentIn, shown: Literal["open", "closed", "all"] = "open",
                       team: str | None = None) -> dict[str, Any]:
        listed = await asyncio.to_thread(queue.messages, shown, team or None)
        return {"now": clock(), "messages": listed}

    @router.post("/api/messages/{ident}/close")
    async def close_message(ident: int, body: Note, agent: AgentIn) -> Response:
        return await changed(lambda: queue.close_message(ident, agent.username, body.note),
                             "message")

    async def figures_for(first: date | None, last: date | None) -> dict[str, Any]:
        today = datetime.fromtimestamp(clock(), zone).date()
        last = last or today
        first = first or last - timedelta(days=6)
        try:
            return await asyncio.to_thread(follow_up_figures, records, first, last, zone)
        except ValueError as err:
            raise HTTPException(422, str(err)) from err

    @router.get("/api/figures/after-hours")
    async def after_hours(agent: SupervisorIn, first: Annotated[date | None, Query(alias="from")]
                          = None, last: Annotated[date | None, Query(alias="to")] = None,
                          format: Literal["json", "csv"] = "json") -> Response:
        figures = await figures_for(first, last)
        if format == "json":
            return JSONResponse(figures)
        return csv_download(as_csv(figures), "after-hours", figures)

    @router.get("/api/figures/calls-by-{what}.svg")
    async def chart(what: Literal["hour", "weekday"], agent: SupervisorIn,
                    first: Annotated[date | None, Query(alias="from")] = None,
                    last: Annotated[date | None, Query(alias="to")] = None) -> Response:
        figures = await figures_for(first, last)
        span = f"{figures['from']} to {figures['to']}"
        if what == "hour":
            svg = bar_chart(f"Calls by hour of the day, {span}",
                            [row["hour"][:2] for row in figures["calls_by_hour"]],
                            [row["calls"] for row in figures["calls_by_hour"]])
        else:
            svg = bar_chart(f"Calls by day of the week, {span}", [d[:3] for d in WEEKDAYS],
                            [row["calls"] for row in figures["calls_by_weekday"]])
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


def _local(when: datetime, zone: ZoneInfo) -> float:
    return (when if when.tzinfo else when.replace(tzinfo=zone)).timestamp()
