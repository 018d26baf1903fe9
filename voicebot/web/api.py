"""``/api/*``: call records for council systems, behind a bearer token.

With no token configured the API answers only this machine (loopback), so a fresh install does
not publish call records; that choice is logged at start-up.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from voicebot.config import Settings
from voicebot.records import CallRecords

_LOGGER = logging.getLogger(__name__)


def is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_api_router(records: CallRecords, settings: Settings) -> APIRouter:
    """``GET /api/calls``, ``GET /api/calls/{sid}`` and ``GET /api/figures``."""
    token = settings.api_token
    zone = ZoneInfo(settings.timezone)
    if not token:
        _LOGGER.warning("api_token is not set: /api/* answers only requests from this machine")

    def authorised(request: Request) -> None:
        if token:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), token.encode()
            ):
                raise HTTPException(401, "a valid bearer token is required",
                                    headers={"WWW-Authenticate": "Bearer"})
        elif not is_loopback(request.client.host if request.client else None):
            raise HTTPException(
                401, "the API answers only this machine until api_token is configured",
                headers={"WWW-Authenticate": "Bearer"})

    router = APIRouter(prefix="/api", tags=["calls"], dependencies=[Depends(authorised)])

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
    async def figures(day: date | None = None) -> dict[str, Any]:
        """One day's figures (default today, in the council's time zone)."""
        wanted = day or datetime.now(zone).date()
        return await asyncio.to_thread(records.figures, wanted, zone)

    return router
