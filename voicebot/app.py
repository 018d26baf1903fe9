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
from voicebot.call.handing import SHUTDOWN_NOTICE
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
from voicebot.operations.drain import Drain
from voicebot.operations.metrics import Metrics, drain_figures, queue_figures, telephony_figures
from voicebot.operations.observed import AudioTap
from voicebot.operations.routes import make_operations_router
from voicebot.operations.tracing import tracing_from
from voicebot.records import CallRecords
from voicebot.records.handoffs import HandoffQueue
from voicebot.speech import provision
from voicebot.speech.engines import SpeechEngines
from voicebot.web.api import make_api_router
from voicebot.web.desktop import QUEUE_HOURS, make_desktop_router
from voicebot.web.live import LiveQueue
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
        self.telephony_stats: Counter[str] = Counter()
        self.calls_in_progress = 0
        self.drain = Drain(settings.drain.limit_seconds, settings.drain.linger_seconds,
                           siblings=settings.drain.new_calls == "proxy")
        self.metrics = self._metrics()
        self.tracing = tracing_from(settings)
        sinks: list[EventSink] = [self.records, self.live, self.metrics]
        if self.tracing is not None:
            sinks.append(self.tracing[0])
        self.events: EventSink = fan_out(*sinks)

    def _metrics(self) -> Metrics:
        metrics = Metrics()
        self.engines.pool.observe = metrics.inference_job
        queue = HandoffQueue(self.records)
        metrics.watch(telephony_figures(self.telephony_stats))
        metrics.watch(drain_figures(lambda: self.drain.draining))
        metrics.watch(queue_figures(lambda: queue.waiting(
            queue.records.now() - QUEUE_HOURS * 3600, with_transcript=False)))
        return metrics

    def _audio_sent(self, call_sid: str) -> None:
        self.metrics.audio_sent(call_sid)
        if self.tracing is not None:
            self.tracing[0].audio_sent(call_sid)

    async def handle(self, call: Call) -> Outcome:
        """Runs one call's conversation (Twilio or the browser phone)."""
        sid = call.info.call_sid
        self.calls_in_progress += 1
        call = AudioTap(call, self._audio_sent)
        listener = Listener(self.engines.vad, self.metrics.timed(self.engines.recognizer),
                            self.events, sid, rate=call.info.rate)
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
            self.drain.started(sid, session.shut_down, needs_action=call.info.carrier == "twilio")
            return await session.run()
        finally:
            self.drain.ended(sid)
            listener.close()
            self.calls_in_progress -= 1

    def fixed_prompts(self) -> list[str]:
        """Prompts every call may hear, synthesised once at start-up."""
        prompts = [APOLOGY, SHUTDOWN_NOTICE]
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
            await service.engines.close()
            service.records.close()
            service.services.close()
            if service.tracing is not None:  # sends the spans still batched
                await asyncio.to_thread(service.tracing[1].shutdown)

    app = FastAPI(title="voicebot", version=__version__, lifespan=lifespan)
    app.state.service = service
    options = TwilioOptions(
        auth_token=settings.twilio_token,
        verify_signatures=settings.twilio.verify_signatures,
        public_url=settings.public_url,
        fallback=service.fallback(),
        stats=service.telephony_stats,
        gate=service.drain,
        refusal=settings.drain.new_calls,
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
                                         stats=service.telephony_stats,
                                         gate=service.drain))
    app.include_router(make_whisper_router(service.handoff, served=service.drain.whisper_served))
    app.include_router(make_api_router(service.records, settings))
    app.include_router(make_desktop_router(service.records, settings, service.live))
    app.include_router(make_operations_router(service.drain, service.metrics,
                                              settings.api_token))

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
