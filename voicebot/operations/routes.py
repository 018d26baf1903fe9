"""What an orchestrator, a proxy and Prometheus ask each process.

``/healthz/live``: the event loop answers (restart the process if not). ``/healthz/ready``: it
takes new calls; a draining process is alive but not ready, so new calls go elsewhere while its
calls in progress finish here. ``/metrics``: this process's figures in Prometheus's text format,
for the bearer ``api_token`` (Prometheus's ``authorization`` setting) or, without one, for this
machine only, by the same rule as ``/api`` (``voicebot.web.access``).
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from voicebot.operations.drain import Drain
from voicebot.operations.metrics import Metrics
from voicebot.web.access import ApiAccess


def make_operations_router(drain: Drain, metrics: Metrics, access: ApiAccess) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz/live")
    async def live() -> JSONResponse:
        return JSONResponse({"status": "alive", "drain": drain.describe()})

    @router.get("/healthz/ready")
    async def ready() -> JSONResponse:
        if drain.draining:
            return JSONResponse({"status": "draining", "drain": drain.describe()},
                                status_code=503, headers={"Retry-After": "0"})
        return JSONResponse({"status": "ready", "drain": drain.describe()})

    @router.get("/metrics")
    async def scrape(request: Request) -> Response:
        access.require(request)  # the API's rule, proxies included
        body = await asyncio.to_thread(generate_latest, metrics.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router

