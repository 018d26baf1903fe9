"""Composition root: the only place that builds engines, stores and routers and wires them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from telephony import Call, Outcome, TransferTarget
from telephony.browser.routes import make_router as make_phone_router
from telephony.twilio.routes import TwilioOptions
from telephony.twilio.routes import make_router as make_twilio_router
from voicebot import __version__
from voicebot.call.listener import Listener
from voicebot.call.session import APOLOGY, CallSession
from voicebot.call.speaker import Speaker
from voicebot.config import Settings
from voicebot.council.actions import Services
from voicebot.council.data import CouncilData
from voicebot.errors import ConfigError, ModelError
from voicebot.events import EventSink, fan_out
from voicebot.flows.engine import Dialogue
from voicebot.flows.registry import FlowRegistry
from voicebot.handoff import Handoff, synthesize_with
from voicebot.records import CallRecords
from voicebot.speech import provision
from voicebot.speech.engines import SpeechEngines
from voicebot.web.api import make_api_router
from voicebot.web.desktop import make_desktop_router
from voicebot.web.live import LiveQueue
from voicebot.web.watch import CallWatch, make_watch_router
from voicebot.web.whisper import make_whisper_router

_LOGGER = logging.getLogger(__name__)


class Service:
    """Everything shared by the calls of one running service."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        paths = provision.model_paths(settings)
        if provision.check_paths(paths):
            provision.assemble(settings)
            if problems := provision.check_paths(paths):
                raise ModelError("models-missing", "; ".join(problems))
        self.council = CouncilData.load(settings.data_dir)
        self.services = Services(self.council, settings.database)
        self.records = CallRecords(settings.database, retention_days=settings.retention_days)
        self.engines = SpeechEngines.load(settings)
        self.handoff = Handoff(
            settings,
            synthesize=synthesize_with(self.engines.synthesizer),
            transcripts=self.records.read_transcript,
        )
        self.flows = FlowRegistry(settings.flows_dir, self.services.actions, self.handoff.teams)
        self.live = LiveQueue()
        self.watch = CallWatch()
        self.events: EventSink = fan_out(self.records, self.live, self.watch)
        self.telephony_stats: Counter[str] = Counter()
        self.calls_in_progress = 0

    async def handle(self, call: Call) -> Outcome:
        """Runs one call's conversation (Twilio or the browser phone)."""
        sid = call.info.call_sid
        self.calls_in_progress += 1
        if call.info.watch_token:  # a browser call: its page shows what the bot heard and did
            self.watch.open(sid, call.info.watch_token)
        listener = Listener(self.engines.vad, self.engines.recognizer, self.events, sid,
                            rate=call.info.rate)
        try:
            dialogue = Dialogue(self.flows.current, self.services, self.events, sid,
                                self.handoff)
            session = CallSession(
                call,
                dialogue,
                listener,
                Speaker(self.engines, call, self.events),
                handover=self.handoff.for_call(sid),
                events=self.events,
            )
            return await session.run()
        finally:
            listener.close()
            self.watch.finish(sid)
            self.calls_in_progress -= 1

    def fixed_prompts(self) -> list[str]:
        """Prompts every call may hear, synthesised once at start-up."""
        prompts = [APOLOGY]
        with contextlib.suppress(Exception):
            prompts.extend(self.flows.current.fixed_prompts())
        return prompts

    def fallback(self) -> Outcome:
        general = self.handoff.team("general")
        return Outcome("transfer", reason="system-error",
                       target=TransferTarget(general.target.kind, general.target.address))


def create_app(settings: Settings) -> FastAPI:
    """Build the service for these settings; models load once, here."""
    service = Service(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.engines.warm(service.fixed_prompts())
        watcher = asyncio.create_task(service.flows.watch(), name="flow-reload")
        _LOGGER.info("voicebot ready: %s flows, council data from %s", settings.flows_dir,
                     settings.data_dir)
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            service.live.close()
            service.watch.close()
            await service.engines.close()
            service.records.close()
            service.services.close()

    app = FastAPI(title="voicebot", version=__version__, lifespan=lifespan)
    app.state.service = service
    options = TwilioOptions(
        auth_token=settings.twilio_token,
        verify_signatures=settings.twilio.verify_signatures,
        public_url=settings.public_url,
        fallback=service.fallback(),
        stats=service.telephony_stats,
    )
    if options.verify_signatures and not options.auth_token:
        _LOGGER.warning(
            "no Twilio auth token (twilio.auth_token or TWILIO_AUTH_TOKEN): the /twilio "
            "webhooks are not served, so no phone calls can come in; the browser phone at "
            "/phone works")
    else:
        try:
            app.include_router(make_twilio_router(service.handle, service.records, options))
        except ValueError as err:
            raise ConfigError("twilio-token-missing", str(err)) from err
    app.include_router(make_phone_router(service.handle, service.records,
                                         fallback=options.fallback,
                                         stats=service.telephony_stats))
    app.include_router(make_watch_router(service.watch))
    app.include_router(make_whisper_router(service.handoff))
    app.include_router(make_api_router(service.records, settings))
    app.include_router(make_desktop_router(service.records, settings, service.live))

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/phone/")

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            **service.engines.describe(),
            "calls_in_progress": service.calls_in_progress,
            "flows": service.flows.describe(),
            "telephony": dict(service.telephony_stats),
        }

    return app
