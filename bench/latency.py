"""Response latency over full simulated calls, at several numbers of concurrent calls.

Starts `voicebot serve` in its own process (as in production), then places N concurrent calls
over the Twilio protocol on loopback, each a real-time scripted conversation spoken by the
local Piper voice through 8 kHz mu-law. Latency is measured by the caller: from the end of its
speech in the sent audio to the first bot audio frame received.

    .venv/bin/python bench/latency.py [--calls 1 4 8 16] [--port 8765]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.voices import piper_voices
from telephony.twilio.caller import CallReport, Keys, ScriptedCaller, Speech
from telephony.twilio.client import TwilioClient

TOKEN = "bench-token"
SCRIPTS: list[list[str | tuple[str, str]]] = [
    ["When is my bin collected?", "L S 6, 2 Q T.", "21 Hawthorn Close.", "No, thank you."],
    ["How much council tax do I owe?", ("keys", "40019283"), "L S 6, 2 Q T.", "No thanks."],
    ["How do I pay my council tax?", "No, that's all."],
    ["My recycling wasn't collected.", "M 14, 5 R N.", "Rose Cottage.", "Recycling.", "No."],
]


def start_service(port: int, state: Path, extra: dict[str, str] | None = None
                  ) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VOICEBOT_STATE_DIR": str(state), "TWILIO_AUTH_TOKEN": TOKEN,
           "VOICEBOT_TRANSFER_TARGETS": '{"general": {"hours": "always"}}', **(extra or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "voicebot", "serve", "--port", str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
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
    raise SystemExit("voicebot serve did not start within 120 s")


async def one_call(url: str, steps: list[Speech | Keys], stagger: float) -> CallReport:
    await asyncio.sleep(stagger)
    async with TwilioClient(url, TOKEN) as client:
        caller = ScriptedCaller(client, quiet=0.8, reply_timeout=15)
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


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 4, 8, 16])
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    say = piper_voices()["piper-joe"]
    scripts = [[Keys(s[1]) if isinstance(s, tuple) else Speech(say(s), s) for s in script]
               for script in SCRIPTS]
    url = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryDirectory() as state:
        process = start_service(args.port, Path(state))
        try:
            await wait_ready(url, process)
            idle = resident_mb(process.pid)
            print(f"service resident memory when idle: {idle:.0f} MB")
            print(f"{'calls':>5} {'turns':>5} {'p50 s':>7} {'p95 s':>7} {'max s':>7}  no reply"
                  "  peak MB")
            for count in args.calls:
                peak = [0.0]
                watcher = asyncio.create_task(watch_memory(process.pid, peak))
                reports = await asyncio.gather(*(
                    one_call(url, scripts[i % len(scripts)], stagger=i * 0.37)
                    for i in range(count)))
                watcher.cancel()
                latencies = [r.latency for rep in reports for r in rep.replies[1:]
                             if r.latency is not None and not r.after.startswith("keys")]
                missing = sum(1 for rep in reports for r in rep.replies[1:] if r.latency is None)
                print(f"{count:>5} {len(latencies):>5} {statistics.median(latencies):>7.3f} "
                      f"{percentile(latencies, 0.95):>7.3f} {max(latencies):>7.3f}  {missing:>8}"
                      f"  {peak[0]:>7.0f}", flush=True)
        finally:
            process.terminate()
            process.wait(20)


if __name__ == "__main__":
    asyncio.run(main())
