"""Metrics and traces from a real call: the figures a council's monitoring would read.

The service runs in this process with tracing exported over OTLP/HTTP to a small receiver on
loopback (what an OpenTelemetry collector would be), and a call is placed the way Twilio does.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from telephony.twilio.caller import ScriptedCaller, Speech
from telephony.twilio.client import TwilioClient
from tests.conftest import serving
from tests.voicebot.speech.conftest import phone_line
from voicebot.app import create_app
from voicebot.config import load_settings
from voicebot.speech.engines import SpeechEngines

TOKEN = "ops-token"


class Collector(ThreadingHTTPServer):
    spans: list[Any]


class _Receive(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                self.server.spans.extend(scope.spans)
        body = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector(("127.0.0.1", 0), _Receive)
    server.spans = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def attributes(span: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in span.attributes:
        value = item.value
        found[item.key] = getattr(value, value.WhichOneof("value"))
    return found


@pytest.mark.slow
async def test_a_call_shows_in_metrics_and_in_traces(
    tmp_path: Path, engines: SpeechEngines, collector: Collector
) -> None:
    port = collector.server_address[1]
    settings = load_settings(
        state_dir=tmp_path, twilio={"auth_token": TOKEN},
        transfer_targets={"general": {"kind": "queue", "address": "council", "hours": "always"}},
        tracing={"exporter": "otlp", "endpoint": f"http://127.0.0.1:{port}/v1/traces"})
    app = create_app(settings)
    person = Speech(phone_line(engines, "Can I speak to a real person please?"), "person")
    async with serving(app) as url:
        async with TwilioClient(url, TOKEN) as client:
            report = await ScriptedCaller(client, quiet=1.2, reply_timeout=20).run(
                [person], hang_up=False)
        async with httpx.AsyncClient() as http:
            scraped = await http.get(f"{url}/metrics")
        app.state.service.drain.begin()
        with pytest.raises(InvalidStatus) as refused:
            await connect(url.replace("http://", "ws://") + "/phone/media", proxy=None)
        calls = app.state.service.records.list_calls()
    assert refused.value.response.status_code == 503  # draining: no new browser calls either
    assert [c["call_sid"] for c in calls] == [report.call_sid]
    assert scraped.status_code == 200
    text = scraped.text
    assert 'voicebot_calls_total{outcome="transferred"} 1.0' in text
    assert 'voicebot_transfers_total{reason="caller asked for an agent",team="general"} 1.0' \
        in text, text
    assert "voicebot_calls_in_progress 0.0" in text
    assert "voicebot_turn_latency_seconds_count 1.0" in text
    assert "voicebot_asr_seconds_count" in text
    assert 'voicebot_inference_seconds_count{pool="tts"}' in text
    assert "voicebot_draining 0.0" in text

    calls = [s for s in collector.spans if s.name == "call"]
    turns = [s for s in collector.spans if s.name == "turn"]
    assert len(calls) == 1 and len(turns) == 1, [s.name for s in collector.spans]
    call, turn = attributes(calls[0]), attributes(turns[0])
    assert call["voicebot.call_sid"] == report.call_sid
    assert call["voicebot.outcome"] == "transferred"
    assert call["voicebot.team"] == "general"
    assert turns[0].parent_span_id == calls[0].span_id
    assert turn["voicebot.intent"] == "agent" and turn["voicebot.heard"] is True
    waited = (turns[0].end_time_unix_nano - turns[0].start_time_unix_nano) / 1e9
    assert report.replies[1].latency is not None
    assert abs(waited - report.replies[1].latency) < 0.5  # the wait the caller measured
