"""OpenTelemetry traces: one span per call, one child span per turn, only when configured.

With ``tracing.exporter: none`` (the default) nothing here is imported or installed, so an
unconfigured service pays nothing. Otherwise ``CallTracer`` is one more event sink: a call
span from ``call-start`` to ``call-end`` (outcome, team, error status) and a ``turn`` span from
the end of the caller's speech to the first audio of the reply, the wait a caller feels, with
the recogniser's confidence and the intent. No words, numbers or audio go into spans.
"""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING, Any

from voicebot.config import Settings
from voicebot.errors import ConfigError
from voicebot.events import CallEvent, CallEventType

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span, Tracer


def _nanoseconds(seconds: float) -> int:
    return int(seconds * 1e9)


class CallTracer:
    """Event sink that turns each call's events into spans."""

    def __init__(self, tracer: Tracer) -> None:
        from opentelemetry import trace

        self._tracer = tracer
        self._trace = trace
        self._calls: dict[str, Span] = {}
        self._turns: dict[str, Span] = {}
        self._count: dict[str, int] = {}

    def __call__(self, event: CallEvent) -> None:
        kind, sid, data = event.type, event.call_sid, event.data
        if kind == CallEventType.CALL_START:
            self._calls[sid] = self._tracer.start_span(
                "call", start_time=_nanoseconds(event.at),
                attributes={"voicebot.call_sid": sid})
            self._count[sid] = 0
        elif (call := self._calls.get(sid)) is None:
            return
        elif kind == CallEventType.TURN_END:
            self._end_turn(sid, event.at)
            self._count[sid] += 1
            spoke_until = event.at - float(data.get("pause", 0.0))
            self._turns[sid] = self._tracer.start_span(
                "turn", context=self._trace.set_span_in_context(call),
                start_time=_nanoseconds(spoke_until),
                attributes={"voicebot.turn": self._count[sid],
                            "voicebot.speech_seconds": float(data.get("seconds", 0.0))})
        else:
            self._annotate(call, sid, kind, data, event.at)

    def _annotate(self, call: Span, sid: str, kind: CallEventType, data: dict[str, Any],
                  at: float) -> None:
        turn = self._turns.get(sid)
        if kind in (CallEventType.TRANSCRIPT, CallEventType.NOT_HEARD) and turn is not None:
            turn.set_attribute("voicebot.heard", kind == CallEventType.TRANSCRIPT)
            turn.set_attribute("voicebot.confidence", float(data.get("confidence", 0.0)))
        elif kind == CallEventType.INTENT and turn is not None:
            turn.set_attribute("voicebot.intent", str(data.get("intent", "")))
        elif kind == CallEventType.TRANSFER:
            call.set_attribute("voicebot.team", str(data.get("team", "")))
            call.set_attribute("voicebot.transfer_reason", str(data.get("reason", ""))[:60])
        elif kind == CallEventType.ERROR:
            code = str(data.get("code", "unknown"))
            call.add_event("error", {"code": code}, timestamp=_nanoseconds(at))
            call.set_status(self._trace.Status(self._trace.StatusCode.ERROR, code))
        elif kind == CallEventType.CALL_END:
            self._end_turn(sid, at)
            self._count.pop(sid, None)
            call.set_attribute("voicebot.outcome", str(data.get("outcome", "")))
            call.end(end_time=_nanoseconds(at))
            del self._calls[sid]

    def audio_sent(self, call_sid: str) -> None:
        """The first audio after a turn ends the turn's span."""
        self._end_turn(call_sid, time.time())

    def _end_turn(self, sid: str, at: float) -> None:
        turn = self._turns.pop(sid, None)
        if turn is not None:
            turn.end(end_time=_nanoseconds(at))


def tracing_from(settings: Settings) -> tuple[CallTracer, TracerProvider] | None:
    """The tracer the settings ask for, or None (no exporter: no spans at all)."""
    chosen = settings.tracing
    if chosen.exporter == "none":
        return None
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
    except ImportError as err:
        raise ConfigError("tracing-unavailable", "tracing needs the OpenTelemetry SDK: "
                          "pip install 'voicebot[tracing]'") from err
    resource = Resource.create({
        "service.name": chosen.service_name,
        "service.instance.id": f"{socket.gethostname()}:{settings.port}",
    })
    provider = TracerProvider(resource=resource)
    if chosen.exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter: Any = OTLPSpanExporter(endpoint=chosen.endpoint)
    else:
        exporter = ConsoleSpanExporter()
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return CallTracer(provider.get_tracer("voicebot")), provider
