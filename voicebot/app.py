"""Composition root: the only place that builds engines, stores and routers and wires them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from voicebot import __version__
from voicebot.config import Settings
from voicebot.speech import provision

_LOGGER = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    """Build the service for these settings; models load once, at start-up."""
    paths = provision.model_paths(settings)
    if problems := provision.check_paths(paths):
        provision.assemble(settings)
        if problems := provision.check_paths(paths):
            from voicebot.errors import ModelError

            raise ModelError("models-missing", "; ".join(problems))
    device = provision.choose_device(settings)
    _LOGGER.info("speech recognition on %s (%s): %s", device.device, device.compute_type,
                 device.reason)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield

    app = FastAPI(title="voicebot", version=__version__, lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "device": {"name": device.device, "compute_type": device.compute_type,
                       "reason": device.reason},
            "models": {"asr": str(paths.whisper_dir), "tts": str(paths.piper_voice),
                       "vad": str(paths.vad_model)},
        }

    return app
