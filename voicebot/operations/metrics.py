"""Prometheus metrics of one ``voicebot serve`` process, read from the call event stream.

Each process keeps its own registry and serves it at ``/metrics``; Prometheus scrapes every
process directly (one target per process, never through the proxy, which would land on any of
them) and sums across instances. That needs no shared files between processes, which
prometheus-client's multiprocess mode would (and it cannot run custom collectors), and it works
the same for systemd instances on one machine and for pods (see docs/operations.md).

Most figures come from ``CallEvent``s, so they agree with the call records by construction. Two
hooks add what the events do not carry: the first audio sent after a turn (turn latency) and
the inference pool's queue and run times.
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from voicebot.events import CallEvent, CallEventType
from voicebot.speech.base import Hints, Recognizer, Transcript

LATENCY_BUCKETS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0)
"""Turn latency: fine around the 1.5 s target, coarse beyond it."""
WORK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
NOT_MESSAGES = {
    "bad-signature": ("voicebot_bad_signatures", "Requests refused for a wrong signature"),
    "refused-draining": ("voicebot_calls_refused", "New calls refused while draining"),
    "handler-errors": ("voicebot_handler_errors", "Conversations that raised"),
    "dropped-calls": ("voicebot_calls_dropped", "Media sockets lost without a stop"),
}
"""Telephony's counts that are not dropped messages; every other key names a drop reason."""


class Metrics:
    """The process's instruments; an event sink plus a few timing hooks."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.in_progress = Gauge("voicebot_calls_in_progress", "Calls being handled now",
                                 registry=r)
        self.calls = Counter("voicebot_calls", "Calls ended, by outcome", ["outcome"],
                             registry=r)
        self.transfers = Counter("voicebot_transfers", "Calls handed to a person",
                                 ["team", "reason"], registry=r)
        self.errors = Counter("voicebot_errors", "Errors in calls, by code", ["code"],
                              registry=r)
        self.turn_latency = Histogram(
            "voicebot_turn_latency_seconds",
            "From the end of the caller's speech to the first audio of the reply",
            buckets=LATENCY_BUCKETS, registry=r)
        self.asr = Histogram("voicebot_asr_seconds", "Recognition of one utterance, queue "
                             "included", buckets=WORK_BUCKETS, registry=r)
        self.inference = Histogram("voicebot_inference_seconds", "One inference job, by pool "
                                   "(asr: features or a decode batch; tts: one sentence)",
                                   ["pool"], buckets=WORK_BUCKETS, registry=r)
        self.inference_wait = Histogram("voicebot_inference_queue_wait_seconds",
                                        "Time an inference job waited for a worker", ["pool"],
                                        buckets=WORK_BUCKETS, registry=r)
        self._open: set[str] = set()
        self._turn_ended: dict[str, float] = {}

    # -- the event sink --

    def __call__(self, event: CallEvent) -> None:
        kind, sid, data = event.type, event.call_sid, event.data
        if kind == CallEventType.CALL_START:
            self._open.add(sid)
            self.in_progress.set(len(self._open))
        elif kind == CallEventType.TURN_END:
            self._turn_ended[sid] = event.at - float(data.get("pause", 0.0))
        elif kind == CallEventType.TRANSFER:
            self.transfers.labels(str(data.get("team", "")), _short(data.get("reason"))).inc()
        elif kind == CallEventType.ERROR:
            self.errors.labels(str(data.get("code", "unknown"))).inc()
        elif kind == CallEventType.CALL_END:
            self._open.discard(sid)
            self._turn_ended.pop(sid, None)
            self.in_progress.set(len(self._open))
            self.calls.labels(str(data.get("outcome", "unknown"))).inc()

    # -- the hooks --

    def audio_sent(self, call_sid: str) -> None:
        """The bot sent audio on this call: the first after a turn ends that turn's wait."""
        ended = self._turn_ended.pop(call_sid, None)
        if ended is not None:
            self.turn_latency.observe(max(0.0, time.time() - ended))

    def inference_job(self, pool: str, waited: float, ran: float) -> None:
        """The inference pool's observer (called on its worker threads; thread-safe)."""
        self.inference_wait.labels(pool).observe(waited)
        self.inference.labels(pool).observe(ran)

    def timed(self, recognizer: Recognizer) -> Recognizer:
        return _TimedRecognizer(recognizer, self.asr.observe)

    def watch(self, read: Callable[[], Iterator[Metric]]) -> None:
        """Add figures read when scraped (telephony's drops, the drain, the agent queue)."""
        self.registry.register(_ReadOnScrape(read))


class _TimedRecognizer:
    """A recogniser that reports how long each utterance took."""

    def __init__(self, inner: Recognizer, observe: Callable[[float], None]) -> None:
        self._inner = inner
        self._observe = observe

    async def transcribe(self, audio: np.ndarray, hints: Hints) -> Transcript:
        started = time.perf_counter()
        try:
            return await self._inner.transcribe(audio, hints)
        finally:
            self._observe(time.perf_counter() - started)


class _ReadOnScrape(Collector):
    def __init__(self, read: Callable[[], Iterator[Metric]]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        return self._read()

    def describe(self) -> Iterator[Metric]:
        return iter(())


def telephony_figures(stats: Tally[str]) -> Callable[[], Iterator[Metric]]:
    """Telephony's counts as metrics: dropped or malformed messages, dropped calls, refusals."""

    def read() -> Iterator[Metric]:
        dropped = CounterMetricFamily("voicebot_media_messages_dropped",
                                      "Malformed or unexpected media messages dropped",
                                      labels=["reason"])
        for reason, count in sorted(stats.items()):
            if reason not in NOT_MESSAGES:
                dropped.add_metric([reason], count)
        yield dropped
        for key, (name, text) in NOT_MESSAGES.items():
            yield CounterMetricFamily(name, text, value=stats.get(key, 0))

    return read


def drain_figures(draining: Callable[[], bool]) -> Callable[[], Iterator[Metric]]:
    def read() -> Iterator[Metric]:
        yield GaugeMetricFamily("voicebot_draining", "1 while the process drains before exit",
                                value=1.0 if draining() else 0.0)

    return read


def _short(reason: object) -> str:
    """Transfer reasons come from the flows (a bounded set); keep labels short regardless."""
    return str(reason or "")[:60]


def queue_figures(waiting: Callable[[], list[dict[str, Any]]],
                  clock: Callable[[], float] = time.time) -> Callable[[], Iterator[Metric]]:
    """The agents' queue, read at scrape time from the shared store (the same on every
    process: take ``max`` across instances, not ``sum``)."""

    def read() -> Iterator[Metric]:
        now = clock()
        waits: dict[str, list[float]] = {}
        for entry in waiting():
            if entry.get("state") == "waiting":
                waits.setdefault(str(entry.get("team")), []).append(now - entry["queued_at"])
        count = GaugeMetricFamily("voicebot_agent_queue_waiting",
                                  "Transferred callers waiting for an agent", labels=["team"])
        oldest = GaugeMetricFamily("voicebot_agent_queue_oldest_wait_seconds",
                                   "The longest wait in the agent queue now", labels=["team"])
        for team, seconds in sorted(waits.items()):
            count.add_metric([team], len(seconds))
            oldest.add_metric([team], max(seconds))
        yield count
        yield oldest

    return read
