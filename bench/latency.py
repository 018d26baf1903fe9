"""Response latency under load: calls started together (``--burst``) or staggered.

Starts `voicebot serve` in its own process (as in production), then places N concurrent calls
over the Twilio protocol on loopback: real-time 20 ms mu-law frames, marks echoed as played.
The callers are not the bot's voice (``bench/load_calls.py``: espeak-ng accents and real
recordings). Latency is measured by the caller, from the end of its speech in the sent audio to
the first bot audio frame received; a gap is silence on the wire inside a reply (the caller's
playout ran dry before the next frame came). The server's own account of each turn (the
``turn-timing`` call events: end-of-turn pause, recognition queue and decode, dialogue,
synthesis, pacing) is read from its call records and summarised per level.

    flock -x /tmp/voicebot-cpu.lock .venv/bin/python bench/latency.py --burst --calls 1 8
    .venv/bin/python bench/latency.py [--calls 1 4 8] [--rounds 2] [--set asr_workers=1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.latency_report import Level, print_breakdown, print_header, print_level, timings
from bench.load_calls import call_steps, shared_present
from telephony.twilio.caller import CallReport, Keys, ScriptedCaller, Speech
from telephony.twilio.client import TwilioClient

TOKEN = "bench-token"
STAGGER = 0.37
"""Seconds between call starts when not a burst."""
QUIET = 1.5
"""Silence after which the caller takes the reply as finished: longer than any gap reported."""
SCRIPTS: list[list[str | tuple[str, str]]] = [
    ["When is my bin collected?", "L S 6, 2 Q T.", "21 Hawthorn Close.", "No, thank you."],
    ["How much council tax do I owe?", ("keys", "40019283"), "L S 6, 2 Q T.", "No thanks."],
    ["How do I pay my council tax?", "No, that's all."],
    ["My recycling wasn't collected.", "M 14, 5 R N.", "Rose Cottage.", "Recycling.", "No."],
]
"""The older scripted calls in the bot's own voice, still placed by ``bench/scale.py``."""


def start_service(port: int, state: Path, extra: dict[str, str] | None = None,
                  log: Path | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VOICEBOT_STATE_DIR": str(state), "TWILIO_AUTH_TOKEN": TOKEN,
           "VOICEBOT_TRANSFER_TARGETS": '{"general": {"hours": "always"}}', **(extra or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "voicebot", "serve", "--port", str(port)], env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb") if log is not None else subprocess.DEVNULL)


async def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit("voicebot serve exited during start-up")
            try:
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit("voicebot serve did not start within 180 s")


async def one_call(url: str, steps: list[Speech | Keys], stagger: float) -> CallReport:
    await asyncio.sleep(stagger)
    async with TwilioClient(url, TOKEN) as client:
        caller = ScriptedCaller(client, quiet=QUIET, reply_timeout=15)
        return await caller.run(steps, hang_up=False)  # type: ignore[arg-type]


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def watch_memory(pid: int, peak: list[float]) -> None:
    while True:
        peak[0] = max(peak[0], resident_mb(pid))
        await asyncio.sleep(0.5)


async def run_level(url: str, pid: int, count: int, burst: bool, first_call: int) -> Level:
    calls = [call_steps(first_call + i)[0] for i in range(count)]
    peak = [0.0]
    watcher = asyncio.create_task(watch_memory(pid, peak))
    reports = await asyncio.gather(*(
        one_call(url, steps, 0.0 if burst else i * STAGGER) for i, steps in enumerate(calls)))
    watcher.cancel()
    return Level(count, list(reports), peak[0])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--burst", action="store_true", help="start each level's calls together")
    parser.add_argument("--rounds", type=int, default=1,
                        help="times each level is run (with the next calls of the rotation)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting for the service (VOICEBOT_KEY), e.g. tts_workers=2")
    parser.add_argument("--log", type=Path, help="write the service's log here")
    parser.add_argument("--state", type=Path,
                        help="keep the service's state (its call records) in this folder")
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    print(f"calls {'started together' if args.burst else f'{STAGGER} s apart'}; callers: "
          f"espeak-ng voices{' and real recordings' if shared_present() else ''}; "
          f"settings: {' '.join(args.set) or 'defaults'}")
    with tempfile.TemporaryDirectory() as temporary:
        state = args.state or temporary
        settings = {f"VOICEBOT_{k.upper()}": v for k, _, v in (i.partition("=") for i in args.set)}
        process = start_service(args.port, Path(state), settings, args.log)
        levels: list[Level] = []
        try:
            await wait_ready(url, process)
            print(f"service resident memory when idle: {resident_mb(process.pid):.0f} MB")
            print_header()
            for count in args.calls:
                runs = [await run_level(url, process.pid, count, args.burst, round_ * count)
                        for round_ in range(args.rounds)]
                level = Level.merged(runs)
                levels.append(level)
                print_level(level)
        finally:
            process.terminate()
            process.wait(30)
        print_breakdown(levels, timings(Path(state) / "voicebot.db"))


if __name__ == "__main__":
    asyncio.run(main())
