"""The supervisor's GOV.UK figures for any range of days: JSON for the page, CSV for a
spreadsheet, and SVG bar charts for those who would rather look than read.

Routes under ``/desktop/api/figures/`` on the desktop's router, for supervisors only. The charts
are made on the server from the same numbers as the JSON and the CSV (``voicebot.web.bars``).
"""

# No ``from __future__ import annotations``: FastAPI must see the ``Depends`` of the routes
# defined inside ``add_service_figure_routes`` (see desktop.py).

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.responses import JSONResponse

from voicebot.config import Settings
from voicebot.records import CallRecords
from voicebot.reporting.export import csv_text
from voicebot.reporting.figures import ServiceOf, service_figures
from voicebot.web.auth import Agent
from voicebot.web.bars import bar_chart
from voicebot.web.downloads import csv_download

Chart = Literal["containment", "transfers", "hours"]


def add_service_figure_routes(router: APIRouter, records: CallRecords, settings: Settings,
                              supervisor_api: Callable[..., Any], service_of: ServiceOf) -> None:
    zone = ZoneInfo(settings.timezone)
    SupervisorIn = Annotated[Agent, Depends(supervisor_api)]
    First = Annotated[date | None, Query(alias="from")]
    Last = Annotated[date | None, Query(alias="to")]

    async def figures_for(first: date | None, last: date | None) -> dict[str, Any]:
        try:
            return await asyncio.to_thread(service_figures, records, first, last, zone,
                                           settings.costs, service_of)
        except ValueError as err:
            raise HTTPException(422, str(err)) from err

    @router.get("/api/figures/service")
    async def service(agent: SupervisorIn, first: First = None, last: Last = None,
                      format: Literal["json", "csv"] = "json") -> Response:
        found = await figures_for(first, last)
        if format == "json":
            return JSONResponse(found)
        return csv_download(csv_text(found), "figures", found)

    @router.get("/api/figures/service-{chart}.svg")
    async def chart(chart: Chart, agent: SupervisorIn, first: First = None,
                    last: Last = None) -> Response:
        found = await figures_for(first, last)
        span = f"{found['from']} to {found['to']}"
        if chart == "containment":
            rows = found["containment_by_service"]
            svg = bar_chart(f"Calls handled by the bot, by service (%), {span}",
                            [r["service"] for r in rows],
                            [round((r["rate"] or 0) * 100) for r in rows])
        elif chart == "transfers":
            rows = found["transfers_by_reason"][:12]
            svg = bar_chart(f"Transfers by reason, {span}",
                            [r["reason"] or r["team"] for r in rows], [r["count"] for r in rows])
        else:
            rows = found["calls_by_hour"]
            svg = bar_chart(f"Calls by hour of the day, {span}", [r["hour"][:2] for r in rows],
                            [r["calls"] for r in rows])
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})
