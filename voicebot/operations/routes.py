"""What an orchestrator, a proxy and Prometheus ask each process.

``/healthz/live``: the event loop answers (restart the process if not). ``/healthz/ready``: it
takes new calls; a draining process is alive but not ready, so new calls go elsewhere while its
calls in progress finish here. ``/metrics``: this process's figures in Prometheus's text format,
for the bearer ``api_token`` (Prometheus's ``authorization`` setting) or, without one, for this
machine only, like ``/api``.
"""

from __future__ import annotations

import asyncio
import hmac

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from voicebot.operations.drain import Drain
from voicebot.operations.metrics import Metrics
from voicebot.web.api import is_loopback


def make_operations_router(drain: Drain, metrics: Metrics, api_token: str | None) -> APIRouter:
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
        _allowed(request, api_token)
        body = await asyncio.to_thread(generate_latest, metrics.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router


def _allowed(request: Request, token: str | None) -> None:
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode()):
            return
    elif is_loopback(request.client.host if request.client else None):
        return
    raise HTTPException(401, "metrics need the api_token as a bearer token",
                        headers={"WWW-Authenticate": "Bearer"})
