"""``/healthz/live`` and ``/healthz/ready``: what an orchestrator or a proxy asks a process.

Live means the event loop answers (restart the process if not). Ready means it takes new calls:
a draining process is alive, but not ready, so a load balancer sends new calls elsewhere while
its calls in progress finish here.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from voicebot.operations.drain import Drain


def make_health_router(drain: Drain) -> APIRouter:
    router = APIRouter(prefix="/healthz", tags=["operations"])

    @router.get("/live")
    async def live() -> JSONResponse:
        return JSONResponse({"status": "alive", "drain": drain.describe()})

    @router.get("/ready")
    async def ready() -> JSONResponse:
        if drain.draining:
            return JSONResponse({"status": "draining", "drain": drain.describe()},
                                status_code=503, headers={"Retry-After": "0"})
        return JSONResponse({"status": "ready", "drain": drain.describe()})

    return router
