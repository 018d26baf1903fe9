"""How many calls a process holds at p95 <= 1.5 s, alone and behind nginx, and how many
machines 80 concurrent calls need.

Three set-ups in one run, on this machine: one `voicebot serve` reached directly (the
baseline), one behind Debian's nginx running the shipped `deploy/nginx/voicebot.conf`, and two
behind it. Each takes more and more concurrent real-time calls (bench/latency.py's scripted
callers) until the p95 turn latency passes 1.5 s (or a turn gets no reply), then narrows the
gap to 2 calls; its capacity is the most calls that kept the target.
The service processes' CPU time is read from /proc, per second of call, and once more with
recognition moved to a Wyoming server (also on this machine, its CPU not counted), to project
what a GPU recogniser frees.

    flock -x /tmp/voicebot-cpu.lock .venv/bin/python bench/scale.py [--calls 4 8 12 16 24 32]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.latency import SCRIPTS, one_call, start_service, wait_ready
from bench.latency_report import percentile
from bench.voices import piper_voices
from telephony.twilio.caller import CallReport, Keys, Speech
from tests.conftest import unused_port
from tests.e2e import proxy
from tests.e2e.wyoming_server import wyoming_whisper

TARGET = 1.5
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Level:
    calls: int
    turns: int
    p50: float
    p95: float
    missing: int
    cpu_per_call_second: float
    call_seconds: float

    @property
    def held(self) -> bool:
        return self.p95 <= TARGET and not self.missing


@dataclass
class Setup:
    name: str
    processes: int
    behind_nginx: bool
    levels: list[Level] = field(default_factory=list)

    @property
    def capacity(self) -> int:
        """The most concurrent calls held at p95 <= target, below the fewest that broke it."""
        broke = min((level.calls for level in self.levels if not level.held), default=10**6)
        return max((level.calls for level in self.levels if level.held and level.calls < broke),
                   default=0)

    def next_level(self, planned: list[int]) -> int | None:
        """The next level to try: up the plan until one breaks, then halve the gap to 2."""
        held = self.capacity
        broke = min((level.calls for level in self.levels if not level.held), default=None)
        if broke is None:
            tried = {level.calls for level in self.levels}
            return next((count for count in planned if count not in tried), None)
        return (held + broke) // 2 if broke - held > 2 else None


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


@contextmanager
def services(count: int, state: Path, extra: dict[str, str]
             ) -> Iterator[tuple[list[str], list[int]]]:
    """``count`` service processes sharing one state directory; stopped on the way out."""
    ports = [unused_port() for _ in range(count)]
    processes = [start_service(port, state, extra) for port in ports]
    try:
        for port, process in zip(ports, processes, strict=True):
            asyncio.run(wait_ready(f"http://127.0.0.1:{port}", process))
        yield [f"127.0.0.1:{port}" for port in ports], [p.pid for p in processes]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(60)


async def run_level(url: str, pids: list[int], count: int,
                    scripts: list[list[Speech | Keys]]) -> Level:
    before = cpu_seconds(pids)

    async def timed(index: int) -> tuple[float, CallReport]:
        begun = time.monotonic()
        report = await one_call(url, scripts[index % len(scripts)], stagger=index * 0.37)
        return time.monotonic() - begun - index * 0.37, report

    results = await asyncio.gather(*(timed(i) for i in range(count)))
    cpu = cpu_seconds(pids) - before
    call_seconds = sum(seconds for seconds, _ in results)
    reports = [report for _, report in results]
    latencies = [r.latency for rep in reports for r in rep.replies[1:]
                 if r.latency is not None and not r.after.startswith("keys")]
    missing = sum(1 for rep in reports for r in rep.replies[1:] if r.latency is None)
    return Level(count, len(latencies), statistics.median(latencies),
                 percentile(latencies, 0.95), missing, cpu / call_seconds, call_seconds)


def measure(setup: Setup, levels: list[int], scripts: list[list[Speech | Keys]],
            folder: Path, extra: dict[str, str] | None = None) -> None:
    env = {"VOICEBOT_DRAIN__NEW_CALLS": "proxy", **(extra or {})}
    with ExitStack() as stack:
        upstreams, pids = stack.enter_context(services(setup.processes, folder / "state", env))
        url = f"http://{upstreams[0]}"
        if setup.behind_nginx:
            url = stack.enter_context(proxy.nginx(folder / "nginx", upstreams))
        while (count := setup.next_level(levels)) is not None:
            level = asyncio.run(run_level(url, pids, count, scripts))
            setup.levels.append(level)
            print(f"{setup.name:34} {level.calls:>5} {level.turns:>5} {level.p50:>7.3f} "
                  f"{level.p95:>7.3f} {level.missing:>7} {level.cpu_per_call_second:>9.3f}",
                  flush=True)


def project(setups: list[Setup], local_cpu: float, remote_cpu: float, turns_per_call_second:
            float, gpu_decode: float) -> None:
    best = max(setups, key=lambda s: s.capacity)
    held = best.capacity
    print("\nProjection for 80 concurrent calls")
    for setup in setups:
        per = setup.capacity / setup.processes
        bound = "" if any(not level.held for level in setup.levels) else " (at least: none broke)"
        print(f"  {setup.name}: {setup.capacity} calls at p95 <= {TARGET} s = {per:g} per "
              f"process{bound}")
    if held == 0:
        print("  no set-up held even one call at the target; no projection")
        return
    print(f"  CPU only: this 2-core machine holds {held} calls ({best.name}); "
          f"80 / {held} = {80 / held:.1f} -> {math.ceil(80 / held)} machines like it.")
    share = local_cpu / remote_cpu
    with_gpu = held * share
    print(f"  GPU recogniser: a voicebot process spends {local_cpu:.3f} CPU-s per call-second "
          f"with Whisper in the process and {remote_cpu:.3f} with recognition remote, so the "
          f"same machine holds {held} x {local_cpu:.3f} / {remote_cpu:.3f} = {with_gpu:.1f} "
          f"calls (if CPU is what limits it); 80 / {with_gpu:.1f} = {80 / with_gpu:.1f} -> "
          f"{math.ceil(80 / with_gpu)} voicebot machines + 1 GPU machine.")
    turns = 80 * turns_per_call_second
    print(f"  GPU load: 80 calls x {turns_per_call_second:.3f} turns per call-second = "
          f"{turns:.1f} utterances/s; at an assumed {gpu_decode:.2f} s per Whisper base decode "
          f"on the GPU (not measured here) that is {turns * gpu_decode:.2f} GPU-seconds per "
          f"second: {'one GPU is enough' if turns * gpu_decode < 0.7 else 'more than one GPU'}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, nargs="+", default=[4, 8, 12, 16, 24, 32])
    parser.add_argument("--gpu-decode-seconds", type=float, default=0.1)
    args = parser.parse_args()
    if not proxy.available():
        raise SystemExit("nginx is needed: scripts/setup --browser installs it")
    say = piper_voices()["piper-joe"]
    scripts = [[Keys(s[1]) if isinstance(s, tuple) else Speech(say(s), s) for s in script]
               for script in SCRIPTS]
    setups = [Setup("1 process, direct", 1, False), Setup("1 process behind nginx", 1, True),
              Setup("2 processes behind nginx", 2, True)]
    print(f"{'set-up':34} {'calls':>5} {'turns':>5} {'p50 s':>7} {'p95 s':>7} {'no reply':>7} "
          f"{'CPU s/call-s':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for index, setup in enumerate(setups):
            measure(setup, args.calls, scripts, Path(folder) / str(index))
        # The same load as the baseline's largest level that held, recognition elsewhere.
        baseline = next((level for level in setups[0].levels
                         if level.calls == setups[0].capacity), setups[0].levels[0])
        remote = Setup("1 process, Wyoming recogniser", 1, False)
        with wyoming_whisper(Path(folder)) as uri:
            measure(remote, [baseline.calls], scripts, Path(folder) / "remote",
                    {"VOICEBOT_MODELS__ASR": uri})
    project(setups, baseline.cpu_per_call_second, remote.levels[0].cpu_per_call_second,
            baseline.turns / baseline.call_seconds, args.gpu_decode_seconds)


if __name__ == "__main__":
    main()
