"""Composition root: the only place that builds engines, stores and routers and wires them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from telephony import Call, Outcome, TransferTarget
from telephony.browser.routes import make_router as make_phone_router
from telephony.twilio.routes import TwilioOptions
from telephony.twilio.routes import make_router as make_twilio_router
from voicebot import __version__
from voicebot.call.handing import APOLOGY, SHUTDOWN_NOTICE, TIME_UP
from voicebot.call.listener import Listener
from voicebot.call.session import CARD_NOTICE, CallSession
from voicebot.call.speaker import Speaker
from voicebot.call.watchdog import TurnWatchdog
from voicebot.config import Settings
from voicebot.council.actions import Services
from voicebot.council.data import CouncilData
from voicebot.council.verification import VerificationPolicy
from voicebot.errors import ConfigError, ModelError, StorageError
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
from voicebot.records.admissions import StoredAdmissions
from voicebot.records.handoffs import HandoffQueue, QueueLengths
from voicebot.records.outcomes import StoredOutcomes
from voicebot.speech import provision
from voicebot.speech.engines import SpeechEngines
from voicebot.speech.prompt_book import PromptBook
from voicebot.storage import open_database
from voicebot.web.access import (
    ApiAccess,
    exposure,
    origin_of,
    require_api_token,
    serves_browser_phone,
)
from voicebot.web.api import make_api_router
from voicebot.web.desktop import QUEUE_HOURS, make_desktop_router
from voicebot.web.live import LiveQueue
from voicebot.web.shield import protect
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
        self.database = open_database(settings.database_url,
                                      pool_size=settings.database_pool_size)
        limits = settings.verification
        self.services = Services(self.council, self.database, VerificationPolicy(
            limits.max_failures_per_call, limits.max_failures_per_account,
            limits.window_hours * 3600))
        self.records = CallRecords(self.database, retention_days=settings.retention_days,
                                   spool=settings.spool)
        self.engines = SpeechEngines.load(settings)
        self.outcomes = StoredOutcomes(self.database)  # shared by every process
        self.queue_lengths = QueueLengths(HandoffQueue(self.records))
        self.handoff = Handoff(
            settings,
            synthesize=synthesize_with(self.engines.synthesizer),
            transcripts=self.records.read_transcript,
            notes=self.outcomes,
            waiting=self.queue_lengths,
        )
        self.flows = FlowRegistry(settings.flows_dir, self.services.actions, self.handoff.teams,
                                  prepare_audio=self.engines.load_recordings)
        self.conversing = self.engines.conversing(settings.conversation_languages)
        self.live = LiveQueue(self.database)  # hears the store's queue notices, from any process
        self.watch = CallWatch()
        self.telephony_stats: Counter[str] = Counter()
        self.calls_in_progress = 0
        self.drain = Drain(settings.drain.limit_seconds, settings.drain.linger_seconds,
                           siblings=settings.drain.new_calls == "proxy")
        self.metrics = self._metrics()
        self.tracing = tracing_from(settings)
        sinks: list[EventSink] = [self.records, self.live, self.metrics, self.watch]
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

    def service_name(self, intent: str) -> str:
        """How the figures name a flow intent: its ``name`` in the flows ("a missed bin")."""
        found = self.flows.current.intents.get(intent)
        return found[1].name if found is not None and found[1].name else intent

    async def handle(self, call: Call) -> Outcome:
        """Runs one call's conversation (Twilio or the browser phone)."""
        sid = call.info.call_sid
        self.calls_in_progress += 1
        if call.info.watch_token:  # a browser call: its page shows what the bot heard and did
            self.watch.open(sid, call.info.watch_token)
        call = AudioTap(call, self._audio_sent)
        listener = Listener(self.engines.vad, self.metrics.timed(self.engines.recognizer),
                            self.events, sid, rate=call.info.rate)
        try:
            flows = self.flows.current  # the call keeps the flows (and recordings) it began with
            dialogue = Dialogue(flows, self.services, self.events, sid, self.handoff,
                                self.conversing, caller=call.info.from_number)
            book = flows.audio if isinstance(flows.audio, PromptBook) else None
            session = CallSession(
                call,
                dialogue,
                listener,
                Speaker(self.engines, call, self.events, book),
                handover=self.handoff.for_call(sid),
                events=self.events,
                max_seconds=self.settings.max_call_seconds,
                watchdog=TurnWatchdog(reply_seconds=self.settings.reply_limit_seconds),
            )
            self.drain.started(sid, session.shut_down, needs_action=call.info.carrier == "twilio")
            return await session.run()
        finally:
            self.drain.ended(sid)
            listener.close()
            self.watch.finish(sid)
            self.calls_in_progress -= 1

    def fixed_prompts(self, language: str = "en") -> list[str]:
        """Prompts every call may hear, synthesised once at start-up (the parts of them that
        are not recorded)."""
        prompts = [APOLOGY, CARD_NOTICE, TIME_UP, SHUTDOWN_NOTICE] if language == "en" else []
        with contextlib.suppress(Exception):
            prompts.extend(self.flows.current.fixed_prompts(language))
        book = self.flows.current.audio
        if not isinstance(book, PromptBook):
            return prompts
        return [piece.text for prompt in prompts for piece in book.pieces(prompt, language)
                if piece.clip is None]

    def fallback(self) -> Outcome:
        general = self.handoff.team("general")
        return Outcome("transfer", reason="system-error",
                       target=TransferTarget(general.target.kind, general.target.address))


async def _count_waiting(service: Service, every: float = 5.0) -> None:
    """Keep the callers-waiting counts fresh when busy teams offer call backs (off the loop)."""
    if service.settings.callbacks.offer_when_waiting is None:
        return
    while True:
        try:
            await asyncio.to_thread(service.queue_lengths.refresh)
        except StorageError as err:
            _LOGGER.warning("cannot count callers waiting: %s", err)
        await asyncio.sleep(every)


def create_app(settings: Settings) -> FastAPI:
    """Build the service for these settings; models load once, here."""
    require_api_token(settings)
    service = Service(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for language in service.conversing:
            await service.engines.warm(service.fixed_prompts(language), language=language)
        watcher = asyncio.create_task(service.flows.watch(), name="flow-reload")
        counting = asyncio.create_task(_count_waiting(service), name="queue-lengths")
        _LOGGER.info("voicebot ready: %s flows, council data from %s", settings.flows_dir,
                     settings.data_dir)
        try:
            yield
        finally:
            for task in (watcher, counting):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            service.live.close()
            service.watch.close()
            await service.engines.close()
            service.records.close()
            service.outcomes.close()
            service.services.close()
            if service.tracing is not None:  # sends the spans still batched
                await asyncio.to_thread(service.tracing[1].shutdown)
            service.database.close()

    docs = settings.web.api_docs
    app = FastAPI(title="voicebot", version=__version__, lifespan=lifespan,
                  docs_url="/docs" if docs else None, redoc_url=None,
                  openapi_url="/openapi.json" if docs else None)
    protect(app, settings)
    app.state.service = service
    options = TwilioOptions(
        auth_token=settings.twilio_token,
        verify_signatures=settings.twilio.verify_signatures,
        public_url=settings.public_url,
        fallback=service.fallback(),
        stats=service.telephony_stats,
        outcomes=service.outcomes,
        seen=StoredAdmissions(service.database),
        gate=service.drain,
        refusal=settings.drain.new_calls,
    )
    if options.verify_signatures and not options.auth_token:
        _LOGGER.warning(
            "no Twilio auth token (twilio.auth_token or TWILIO_AUTH_TOKEN): the /twilio "
            "webhooks are not served, so no phone calls can come in (the browser phone at "
            "/phone works when it is on)")
    else:
        try:
            app.include_router(make_twilio_router(service.handle, service.records, options))
        except ValueError as err:
            raise ConfigError("twilio-token-missing", str(err)) from err
    phone = serves_browser_phone(settings)
    if phone and (reason := exposure(settings)):
        _LOGGER.warning("web.browser_phone is on although %s: anyone who reaches /phone can "
                        "place calls (at most %d at once)", reason,
                        settings.web.browser_phone_calls)
    if phone:
        app.include_router(make_phone_router(
            service.handle, service.records, fallback=options.fallback,
            stats=service.telephony_stats, max_calls=settings.web.browser_phone_calls,
            origins=frozenset(filter(None, [origin_of(settings.public_url)])),
            gate=service.drain))
        app.include_router(make_watch_router(service.watch))
    app.include_router(make_whisper_router(service.handoff, served=service.drain.whisper_served))
    app.include_router(make_api_router(service.records, settings, service.service_name))
    app.include_router(make_desktop_router(service.records, settings, service.live,
                                           service_of=service.service_name))
    app.include_router(make_operations_router(service.drain, service.metrics,
                                              ApiAccess(settings)))

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/phone/" if phone else "/desktop/")

    access = ApiAccess(settings)

    @app.get("/healthz")
    async def healthz(request: Request) -> JSONResponse:
        """Status for anyone (503 while call records are not being stored); the details
        (models, flows, storage, counters) only with API access."""
        storage = service.records.health()
        status, code = ("ok", 200) if storage.healthy else ("degraded", 503)
        if not access.allows(request):
            return JSONResponse({"status": status}, status_code=code)
        return JSONResponse({
            "status": status,
            "storage": asdict(storage),
            "version": __version__,
            **service.engines.describe(),
            "calls_in_progress": service.calls_in_progress,
            "flows": service.flows.describe(),
            "telephony": dict(service.telephony_stats),
        }, status_code=code)

    return app
