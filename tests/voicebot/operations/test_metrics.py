"""Metrics from the call event stream, the audio tap and the inference pool."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import numpy as np
from prometheus_client import generate_latest

from voicebot.events import CallEvent, CallEventType
from voicebot.operations.metrics import Metrics, queue_figures, telephony_figures
from voicebot.speech.base import Hints, Transcript
from voicebot.speech.pool import InferencePool


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_calls_transfers_errors_and_the_calls_in_progress() -> None:
    metrics = Metrics()
    metrics(CallEvent(CallEventType.CALL_START, "CA1"))
    metrics(CallEvent(CallEventType.CALL_START, "CA2"))
    assert value(metrics, "voicebot_calls_in_progress") == 2
    metrics(CallEvent(CallEventType.ERROR, "CA1", {"code": "asr-failed"}))
    metrics(CallEvent(CallEventType.TRANSFER, "CA1", {"team": "general",
                                                      "reason": "technical problem"}))
    metrics(CallEvent(CallEventType.CALL_END, "CA1", {"outcome": "error"}))
    metrics(CallEvent(CallEventType.CALL_END, "CA2", {"outcome": "shutdown"}))
    assert value(metrics, "voicebot_calls_in_progress") == 0
    assert value(metrics, "voicebot_calls_total", outcome="error") == 1
    assert value(metrics, "voicebot_calls_total", outcome="shutdown") == 1
    assert value(metrics, "voicebot_errors_total", code="asr-failed") == 1
    assert value(metrics, "voicebot_transfers_total", team="general",
                 reason="technical problem") == 1


def test_turn_latency_runs_from_the_end_of_speech_to_the_first_reply_audio() -> None:
    metrics = Metrics()
    metrics(CallEvent(CallEventType.CALL_START, "CA1"))
    spoke_until = time.time() - 1.0
    metrics(CallEvent(CallEventType.TURN_END, "CA1", {"pause": 0.7}, at=spoke_until + 0.7))
    metrics.audio_sent("CA1")
    metrics.audio_sent("CA1")  # the rest of the reply is not another turn
    assert value(metrics, "voicebot_turn_latency_seconds_count") == 1
    total = value(metrics, "voicebot_turn_latency_seconds_sum")
    assert total is not None and 1.0 <= total < 1.5
    assert value(metrics, "voicebot_turn_latency_seconds_bucket", le="0.75") == 0
    assert value(metrics, "voicebot_turn_latency_seconds_bucket", le="1.5") == 1


async def test_recognition_and_the_inference_pool_are_timed() -> None:
    metrics = Metrics()
    pool = InferencePool(1, 1)
    pool.observe = metrics.inference_job

    class Slow:
        async def transcribe(self, audio: np.ndarray, hints: Hints) -> Transcript:
            await pool.asr(lambda: time.sleep(0.05))
            return Transcript("yes", 0.9)

    try:
        heard = await metrics.timed(Slow()).transcribe(np.zeros(1600, np.float32), Hints())
        await asyncio.gather(pool.tts(lambda: time.sleep(0.05)), pool.tts(lambda: None))
    finally:
        pool.shutdown()
    assert heard.text == "yes"
    assert value(metrics, "voicebot_asr_seconds_count") == 1
    assert value(metrics, "voicebot_inference_seconds_count", pool="asr") == 1
    assert value(metrics, "voicebot_inference_seconds_count", pool="tts") == 2
    waited = value(metrics, "voicebot_inference_queue_wait_seconds_sum", pool="tts")
    assert waited is not None and waited >= 0.04  # the second sentence waited for the first


def test_dropped_messages_and_the_agent_queue_are_read_when_scraped() -> None:
    metrics = Metrics()
    stats: Counter[str] = Counter({"malformed-json": 2, "bad-signature": 1})
    now = 1_000_000.0
    waiting = [{"state": "waiting", "team": "bins", "queued_at": now - 90},
               {"state": "waiting", "team": "bins", "queued_at": now - 30},
               {"state": "claimed", "team": "bins", "queued_at": now - 500}]
    metrics.watch(telephony_figures(stats))
    metrics.watch(queue_figures(lambda: waiting, clock=lambda: now))
    stats["after-stop"] += 1
    text = generate_latest(metrics.registry).decode()
    assert 'voicebot_media_messages_dropped_total{reason="malformed-json"} 2.0' in text
    assert 'voicebot_media_messages_dropped_total{reason="after-stop"} 1.0' in text
    assert "voicebot_bad_signatures_total 1.0" in text
    assert 'voicebot_agent_queue_waiting{team="bins"} 2.0' in text
    assert 'voicebot_agent_queue_oldest_wait_seconds{team="bins"} 90.0' in text
