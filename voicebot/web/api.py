"""``/api/*``: call records for council systems, behind a bearer token.

With no token configured the API answers only this machine (``voicebot.web.access``), so a
fresh install does not publish call records; that choice is logged at start-up, and a service
reachable from elsewhere refuses to start without a token.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.responses import JSONResponse

from voicebot.config import Settings
from voicebot.records import CallRecords
from voicebot.reporting.export import csv_text
from voicebot.reporting.figures import ServiceOf, service_figures
from voicebot.web.access import ApiAccess, is_loopback
from voicebot.web.downloads import csv_download

__all__ = ["is_loopback", "make_api_router"]  # is_loopback: kept for existing importers

_LOGGER = logging.getLogger(__name__)


def make_api_router(records: CallRecords, settings: Settings,
                    service_of: ServiceOf = str) -> APIRouter:
    """``GET /api/calls``, ``GET /api/calls/{sid}`` and ``GET /api/figures``.

    ``service_of`` names a flow intent as a service ("bin collection days") in the figures.
    """
    zone = ZoneInfo(settings.timezone)
    access = ApiAccess(settings)
    if not settings.api_token:
        _LOGGER.warning("api_token is not set: /api/* answers only requests from this machine")
    router = APIRouter(prefix="/api", tags=["calls"], dependencies=[Depends(access.require)])

    @router.get("/calls")
    async def list_calls(
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    ) -> dict[str, Any]:
        return {"calls": await asyncio.to_thread(records.list_calls, limit)}

    @router.get("/calls/{call_sid}")
    async def get_call(call_sid: str) -> dict[str, Any]:
        call = await asyncio.to_thread(records.get_call, call_sid)
        if call is None:
            raise HTTPException(404, f"no call {call_sid!r} on record")
        return call

    @router.get("/figures")
    async def figures(
        day: date | None = None,
        first: Annotated[date | None, Query(alias="from")] = None,
        last: Annotated[date | None, Query(alias="to")] = None,
        format: Literal["json", "csv"] = "json",
    ) -> Response:
        """``?day=``: one day's counts (default today, in the council's time zone).
        ``?from=&to=``: the GOV.UK figures (completion, satisfaction, cost per transaction,
        take-up) and the tables behind them for that range, as JSON or ``format=csv``."""
        if first is None and last is None:
            wanted = day or datetime.now(zone).date()
            return JSONResponse(await asyncio.to_thread(records.figures, wanted, zone))
        try:
            found = await asyncio.to_thread(service_figures, records, first, last, zone,
                                            settings.costs, service_of)
        except ValueError as err:
            raise HTTPException(422, str(err)) from err
        if format == "csv":
            return csv_download(csv_text(found), "figures", found)
        return JSONResponse(found)

    return router
