"""The agent whisper as audio Twilio can ``<Play>``: public, but only for unguessable tokens."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, HTTPException, Response

from voicebot.handoff import WHISPER_ROUTE, Handoff


def make_whisper_router(handoff: Handoff,
                        served: Callable[[str], None] = lambda call_sid: None) -> APIRouter:
    """``GET /twilio/whisper-audio/{token}.wav`` (the URL in each transfer's ``whisper_url``);
    ``served`` is told the call sid once its whisper has gone (a draining process waits)."""
    router = APIRouter(tags=["twilio"])

    @router.api_route(WHISPER_ROUTE, methods=["GET", "HEAD"])
    async def whisper_audio(token: str) -> Response:
        audio = await handoff.whisper_audio(token)
        if audio is None:
            raise HTTPException(404, "no such whisper (it may have expired)")
        call_sid = handoff.whisper_call(token)
        if call_sid is not None:
            served(call_sid)
        return Response(audio, media_type="audio/wav",
                        headers={"Cache-Control": "private, max-age=3600"})

    return router
