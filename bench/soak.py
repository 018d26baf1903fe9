"""Load, soak and faults: many calls through one service while things go wrong, and whether
every call still ends as it should, with its record.

Starts the service in its own process (`bench/soak_service.py`: `voicebot serve`'s app, with
recognition and synthesis failing a share of their jobs on purpose) and places ``--calls``
real-time calls over the Twilio protocol on loopback, ``--concurrency`` at a time, in
espeak-ng voices (never the bot's own). Each call either asks for a person (to be transferred)
or says goodbye (contained); a share of them are also made to go wrong from the caller's side:

* ``drop``: the socket is cut mid-sentence, with no ``stop`` (the caller's phone died);
* ``after-stop``: media and marks arrive after the ``stop`` message;
* ``malformed``: unreadable JSON, bad base64 and unknown events arrive before the caller speaks.

And, once each during the run: a flow file is broken for 20 s (the last good flows must keep
serving), and the SQLite database is locked by another process for 10 s (writes must wait,
not vanish).

It reports calls ended as they should (transferred, contained, abandoned, or transferred with
an apology after an injected fault), calls stuck, records missing, the service's memory at the
start and the end, event-loop stalls over 100 ms, and turn latency.

    flock -x /tmp/voicebot-cpu.lock .venv/bin/python bench/soak.py [--calls 1000] [--concurrency 6]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency import percentile, wait_ready  # noqa: E402
from bench.voices import espeak_voices  # noqa: E402
from telephony.twilio.caller import ScriptedCaller, Speech  # noqa: E402
from telephony.twilio.client import MediaStream, TwilioClient  # noqa: E402
from tests.conftest import unused_port  # noqa: E402
from tests.voicebot.storage.test_writer import hold_lock  # noqa: E402

TOKEN = "soak-token"
API = "soak-api"
FRAME = 320  # 20 ms of 8 kHz PCM16
SCRIPTS = {"person": ("Can I speak to a real person, please?", "transferred"),
           "goodbye": ("No, that's all. Goodbye.", "contained")}
CALLER_FAULTS = {"drop": 0.05, "after-stop": 0.03, "malformed": 0.05}
CALL_TIMEOUT = 120.0


@dataclass
class Placed:
    sid: str
    script: str
    fault: str
    finished: bool = False
    latencies: list[float] = field(default_factory=list)
    problem: str = ""


class MalformedFirst(TwilioClient):
    """A client whose stream opens with messages no one could read."""

    async def open_stream(self, stream_url: str, parameters: dict[str, str]) -> MediaStream:
        stream = await super().open_stream(stream_url, parameters)
        for junk in ("{not json", '{"event": "media", "media": {"payload": "@@@not-base64"}}',
                     '{"event": "dance"}', "[]", '{"event": "media"}'):
            await stream.send_raw(junk)
        return stream


async def scripted(url: str, placed: Placed, audio: bytes) -> None:
    kind = MalformedFirst if placed.fault == "malformed" else TwilioClient
    async with kind(url, TOKEN, call_sid=placed.sid) as client:
        report = await ScriptedCaller(client, quiet=0.8, reply_timeout=20).run(
            [Speech(audio, placed.script)], hang_up=False)
    placed.latencies = [r.latency for r in report.replies[1:] if r.latency is not None]


async def dropped(url: str, placed: Placed, audio: bytes) -> None:
    """The caller starts speaking, then the line dies: no ``stop``, the socket just goes."""
    async with TwilioClient(url, TOKEN, call_sid=placed.sid) as client:
        answer = await client.ring()
        stream = await client.open_stream(answer.stream_url, answer.parameters)
        await asyncio.sleep(1.0)
        half = audio[: len(audio) // 2]
        for start in range(0, len(half) - FRAME, FRAME):
            await stream.send_audio(half[start:start + FRAME])
            await asyncio.sleep(0.02)
        transport = getattr(stream.socket, "transport", None)
        if transport is not None:
            transport.abort()
        else:
            await stream.close()
        await client.after(answer.action_url)


async def after_stop(url: str, placed: Placed, audio: bytes) -> None:
    """The caller hangs up during the greeting, and frames still arrive after the ``stop``."""
    async with TwilioClient(url, TOKEN, call_sid=placed.sid) as client:
        answer = await client.ring()
        stream = await client.open_stream(answer.stream_url, answer.parameters)
        await asyncio.sleep(0.5)
        await stream.send_stop()
        with contextlib.suppress(Exception):
            for start in range(0, FRAME * 10, FRAME):
                await stream.send_audio(audio[start:start + FRAME])
            await stream.send_mark("say-1")
        with contextlib.suppress(Exception):
            await stream.close()
        await client.after(answer.action_url)


async def place(url: str, placed: Placed, audio: bytes) -> None:
    run = {"drop": dropped, "after-stop": after_stop}.get(placed.fault, scripted)
    try:
        await asyncio.wait_for(run(url, placed, audio), CALL_TIMEOUT)
        placed.finished = True
    except TimeoutError:
        placed.problem = "timed out"
    except Exception as err:  # reported per call: a refused or broken call is a finding
        placed.problem = f"{type(err).__name__}: {err}"


def plan(count: int, seed: int) -> list[Placed]:
    rng = random.Random(seed)
    placed = []
    for index in range(count):
        script = "person" if index % 2 == 0 else "goodbye"
        roll, fault = rng.random(), ""
        for name, share in CALLER_FAULTS.items():
            if roll < share:
                fault = name
                break
            roll -= share
        placed.append(Placed(f"CA{seed:04d}{index:06d}" + "0" * 22, script, fault))
    return placed


def expected(placed: Placed, errors: set[str]) -> set[str]:
    if placed.sid in errors:
        return {"error"}
    if placed.fault in ("drop", "after-stop"):
        return {"abandoned"}
    return {SCRIPTS[placed.script][1]}


async def break_a_flow(flows: Path, seconds: float) -> None:
    target = flows / "bins.yaml"
    good = target.read_text(encoding="utf-8")
    target.write_text("flow: bins\nsteps: [this is: {not valid\n", encoding="utf-8")
    await asyncio.sleep(seconds)
    target.write_text(good, encoding="utf-8")


async def stats(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(trust_env=False) as http:
        answer: dict[str, Any] = (await http.get(f"{url}/soak/stats")).json()
        return answer


def start_service(port: int, env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(ROOT / "bench" / "soak_service.py"), str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)


def stored(database: Path) -> tuple[dict[str, str], set[str]]:
    conn = sqlite3.connect(database, timeout=30)
    outcomes = {sid: outcome or "" for sid, outcome in
                conn.execute("SELECT sid, outcome FROM calls")}
    errors = {sid for (sid,) in conn.execute("SELECT DISTINCT sid FROM events WHERE type='error'")}
    conn.close()
    return outcomes, errors


async def run(args: argparse.Namespace, state: Path) -> None:
    voices = list(espeak_voices().values())
    if not voices:
        raise SystemExit("espeak-ng is needed for the callers' voices (scripts/setup --browser)")
    audio = {name: [voice(text) for voice in voices] for name, (text, _) in SCRIPTS.items()}
    flows = state / "flows"
    shutil.copytree(ROOT / "flows", flows)
    port = unused_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "VOICEBOT_STATE_DIR": str(state), "VOICEBOT_FLOWS_DIR": str(flows),
           "TWILIO_AUTH_TOKEN": TOKEN, "VOICEBOT_API_TOKEN": API,
           "VOICEBOT_TRANSFER_TARGETS": '{"general": {"hours": "always"}}',
           "SOAK_ASR_FAULTS": str(args.asr_faults), "SOAK_TTS_FAULTS": str(args.tts_faults),
           "SOAK_SEED": str(args.seed)}
    log = (state / "service.log").open("wb")
    process = start_service(port, env, log)
    try:
        await wait_ready(url, process)
        await soak(args, url, state, flows, audio)
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(30)
        log.close()


async def soak(args: argparse.Namespace, url: str, state: Path, flows: Path,
               audio: dict[str, list[bytes]]) -> None:
    placed = plan(args.calls, args.seed)
    start = await stats(url)
    gate = asyncio.Semaphore(args.concurrency)
    begun = time.monotonic()
    memory: dict[str, float] = {"start": start["resident_mb"]}

    async def one(index: int, call: Placed) -> None:
        async with gate:
            if time.monotonic() - begun > args.max_minutes * 60:
                call.problem = "not placed (time budget spent)"
                return
            if index == min(args.calls // 3, 150):
                asyncio.get_running_loop().create_task(break_a_flow(flows, 20.0))
            if index == min(2 * args.calls // 3, 300):
                await asyncio.to_thread(hold_lock, state / "voicebot.db", 10.0)
            if index == min(50, args.calls - 1):
                memory["warm"] = (await stats(url))["resident_mb"]
            voices = audio[call.script]
            await place(url, call, voices[index % len(voices)])
            if (index + 1) % 50 == 0:
                print(f"  {index + 1} calls placed, {time.monotonic() - begun:.0f} s", flush=True)

    await asyncio.gather(*(one(i, c) for i, c in enumerate(placed)))
    elapsed = time.monotonic() - begun
    placed = [p for p in placed if p.problem != "not placed (time budget spent)"]
    await asyncio.sleep(5.0)  # the records' writer stores what is queued
    end = await stats(url)
    report(args, placed, state, start, end, memory, elapsed)


def report(args: argparse.Namespace, placed: list[Placed], state: Path, start: dict[str, Any],
           end: dict[str, Any], memory: dict[str, float], elapsed: float) -> None:
    outcomes, errors = stored(state / "voicebot.db")
    missing = [p for p in placed if p.sid not in outcomes]
    stuck = [p for p in placed if not p.finished or (p.sid in outcomes and not outcomes[p.sid])]
    wrong = [(p, outcomes[p.sid]) for p in placed if p.sid in outcomes and outcomes[p.sid]
             and outcomes[p.sid] not in expected(p, errors)]
    right = len(placed) - len(missing) - len({p.sid for p in stuck} | {p.sid for p, _ in wrong})
    latencies = sorted(x for p in placed for x in p.latencies)
    print(f"soak: {len(placed)} calls, {args.concurrency} at a time, in {elapsed / 60:.1f} min")
    print("caller faults:", dict(Counter(p.fault or "none" for p in placed)))
    print(f"service faults injected: {end['injected']} (asr share {args.asr_faults}, "
          f"tts share {args.tts_faults}); a flow broken for 20 s; the database locked for 10 s")
    print(f"ended as they should: {right}/{len(placed)}")
    print(f"stuck: {len(stuck)}   records missing: {len(missing)}")
    print("outcomes:", dict(Counter(outcomes.get(p.sid, "MISSING") for p in placed)))
    for p, got in wrong[:10]:
        print(f"  wrong: {p.sid} {p.script} fault={p.fault or '-'} -> {got}, "
              f"expected {sorted(expected(p, errors))}")
    for p in stuck[:10]:
        print(f"  stuck: {p.sid} {p.script} fault={p.fault or '-'} {p.problem}")
    warm = memory.get("warm", start["resident_mb"])
    print(f"memory (service RSS): {memory['start']:.0f} MB at start, {warm:.0f} MB after "
          f"warm-up, {end['resident_mb']:.0f} MB at the end "
          f"({(end['resident_mb'] - warm) / warm:+.1%} since warm-up)")
    print(f"event-loop stalls over 100 ms: {end['stalls']} (worst {end['worst_stall']:.3f} s)")
    if latencies:
        print(f"turn latency (end of speech -> first reply audio), {len(latencies)} turns: "
              f"p50 {percentile(latencies, 0.5):.2f} s, p95 {percentile(latencies, 0.95):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--asr-faults", type=float, default=0.03)
    parser.add_argument("--tts-faults", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--max-minutes", type=float, default=60.0,
                        help="place no new call after this long (the report says how many ran)")
    parser.add_argument("--keep", action="store_true", help="keep the state folder")
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="voicebot-soak-"))
    try:
        asyncio.run(run(args, state))
    finally:
        if args.keep:
            print("state kept in", state)
        else:
            shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()
