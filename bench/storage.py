"""Storage figures: call-event write throughput on each engine, and how soon a transfer made on
one instance of the service reaches an agent's desktop (server-sent events) on another.

PostgreSQL runs as a throwaway Debian cluster with its durability settings on (fsync and
synchronous commit), on loopback TCP; SQLite is a file in WAL mode with synchronous=NORMAL, as
the service runs them.

    .venv/bin/python bench/storage.py [--calls 400] [--transfers 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import serving
from tests.postgres import PostgresServer
from tests.web.conftest import PASSWORDS, Service, build_service, desk_settings, transfer_call
from voicebot.events import CallEvent, CallEventType
from voicebot.records import CallRecords
from voicebot.storage import sqlite_url

EVENTS_PER_CALL = 40


def one_call(records: CallRecords, sid: str, at: float) -> None:
    """A typical call's events: 10 exchanges of say, speech, transcript, intent (+ a slot)."""
    records(CallEvent(CallEventType.CALL_START, sid, {"from": "+447700900123", "to": ""}, at))
    for turn in range(9):
        records(CallEvent(CallEventType.SAY, sid, {"text": "What is the postcode?"}, at))
        records(CallEvent(CallEventType.SPEECH_START, sid, {}, at))
        records(CallEvent(CallEventType.TRANSCRIPT, sid, {"text": "L S six two Q T",
                                                         "confidence": 0.8}, at))
        records(CallEvent(CallEventType.INTENT if turn % 2 else CallEventType.SLOT, sid,
                          {"intent": "bin_day", "score": 0.7, "name": "postcode",
                           "value": "LS6 2QT"}, at))
    records(CallEvent(CallEventType.SAY, sid, {"text": "Goodbye."}, at))
    records(CallEvent(CallEventType.TRANSFER, sid, {"team": "bins", "reason": "missed bin",
                                                    "summary": "Bins", "verified": False}, at))
    records(CallEvent(CallEventType.CALL_END, sid, {"outcome": "transferred"}, at))


def write_throughput(url: str, calls: int) -> float:
    """Events per second from the first ``put`` to the last event stored."""
    records = CallRecords(url)
    try:
        one_call(records, "WARM", time.time())
        records.flush()
        started = time.perf_counter()
        for index in range(calls):
            one_call(records, f"CA{index:06d}", time.time())
        assert records.flush(timeout=600)
        elapsed = time.perf_counter() - started
        assert records.get_call(f"CA{calls - 1:06d}") is not None
    finally:
        records.close()
    return calls * EVENTS_PER_CALL / elapsed


async def desktop_latency(url: str, transfers: int, scratch: Path, *, instances: int = 2
                          ) -> list[float]:
    """Seconds from a transfer event on instance A to its SSE message on instance B (or A)."""
    a, b = (build_service(desk_settings(scratch / name, database_url=url)) for name in "ab")
    latencies: list[float] = []
    try:
        async with serving(a.app) as base_a, serving(b.app) as base_b, \
                httpx.AsyncClient(base_url=base_b if instances == 2 else base_a,
                                  trust_env=False) as http:
            await http.post("/desktop/login", data={"username": "alice",
                                                    "password": PASSWORDS["alice"]})
            for index in range(transfers):
                latencies.append(await one_transfer(http, a, f"LAT{index:04d}"))
    finally:
        for service in (a, b):
            service.live.close()
            service.records.close()
    return latencies


async def one_transfer(http: httpx.AsyncClient, a: Service, sid: str) -> float:
    async with http.stream("GET", "/desktop/events", timeout=10) as stream:
        lines = stream.aiter_lines()
        await next_event(lines, "snapshot", sid=None)
        sent = time.perf_counter()
        transfer_call(a.events, sid)
        await next_event(lines, "call", sid=sid)
        return time.perf_counter() - sent


async def next_event(lines: object, name: str, sid: str | None) -> None:
    event = ""
    async with asyncio.timeout(10):
        async for line in lines:  # type: ignore[attr-defined]
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == name and (
                    sid is None or json.loads(line[6:])["call"]["call_sid"] == sid):
                return


def describe(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
            f"max {ordered[-1] * 1000:.1f} ms (n={len(ordered)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--transfers", type=int, default=40)
    args = parser.parse_args()
    server = PostgresServer.start(durable=True)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            engines = {"sqlite": sqlite_url(root / "w" / "voicebot.db"),
                       "postgresql": server.create_database()}
            for engine, url in engines.items():
                rate = write_throughput(url, args.calls)
                print(f"write throughput, {engine}: {rate:,.0f} events/s "
                      f"({args.calls} calls x {EVENTS_PER_CALL} events)")
            latencies = asyncio.run(desktop_latency(server.create_database(), args.transfers,
                                                    root))
            print(f"transfer on instance A -> SSE on instance B (PostgreSQL LISTEN/NOTIFY): "
                  f"{describe(latencies)}")
            for engine, url in (("sqlite", sqlite_url(root / "l" / "voicebot.db")),
                                ("postgresql", server.create_database())):
                same = asyncio.run(desktop_latency(url, args.transfers, root / engine,
                                                   instances=1))
                print(f"transfer -> SSE on the same instance ({engine}): {describe(same)}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
