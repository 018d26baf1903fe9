"""What `bench/latency.py` prints: latency and gaps per level as the callers heard them, and
where the time went, from the service's ``turn-timing`` call events."""

from __future__ import annotations

import json
import math
import sqlite3
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telephony.twilio.caller import CallReport

SLOW = 1.5
"""A turn slower than this is counted apart (a caller starts to wonder)."""
PARTS = ("pause", "recognition", "queue", "decode", "understand", "synthesis", "pacing",
         "total")
"""The parts of a turn's time, as the ``turn-timing`` event names them. ``recognition`` runs
from the end of the turn to the transcript (``queue`` + ``decode``, or the wait for a partial
decode still running); ``total`` is ``pause`` + the end of the turn to the first audio."""


@dataclass
class Level:
    """One concurrency level: every call's report."""

    calls: int
    reports: list[CallReport] = field(default_factory=list)
    peak_mb: float = 0.0

    @classmethod
    def merged(cls, runs: list[Level]) -> Level:
        return cls(runs[0].calls, [r for run in runs for r in run.reports],
                   max(run.peak_mb for run in runs))

    @property
    def latencies(self) -> list[float]:
        """Every spoken turn's latency (keypad turns and the greeting are not speech)."""
        return [r.latency for rep in self.reports for r in rep.replies[1:]
                if r.latency is not None and not r.after.startswith("keys")]

    @property
    def missing(self) -> int:
        return sum(1 for rep in self.reports for r in rep.replies[1:] if r.latency is None)

    @property
    def longest_gap(self) -> float:
        return max((r.longest_gap for rep in self.reports for r in rep.replies), default=0.0)

    @property
    def sids(self) -> set[str]:
        return {rep.call_sid for rep in self.reports}


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (the value at or above ``share`` of the turns)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, math.ceil(share * len(ordered) - 1e-9) - 1))
    return ordered[index]


def print_header() -> None:
    print(f"{'calls':>5} {'turns':>5} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'>1.5 s':>7} "
          f"{'gap s':>6} {'no reply':>8} {'peak MB':>8}")


def print_level(level: Level) -> None:
    values = level.latencies
    slow = sum(1 for v in values if v > SLOW) / len(values) if values else 0.0
    print(f"{level.calls:>5} {len(values):>5} {statistics.median(values):>7.3f} "
          f"{percentile(values, 0.95):>7.3f} {max(values):>7.3f} {slow:>7.0%} "
          f"{level.longest_gap:>6.3f} {level.missing:>8} {level.peak_mb:>8.0f}", flush=True)


def timings(database: Path) -> dict[str, list[dict[str, Any]]]:
    """Each call's ``turn-timing`` events from the service's records, oldest first."""
    if not database.is_file():
        return {}
    found: dict[str, list[dict[str, Any]]] = {}
    with sqlite3.connect(database) as conn:
        for sid, data in conn.execute(
                "SELECT sid, data FROM events WHERE type='turn-timing' ORDER BY id"):
            found.setdefault(sid, []).append(json.loads(data))
    return found


def print_breakdown(levels: list[Level], events: dict[str, list[dict[str, Any]]]) -> None:
    """Median and p95 of each part of a turn's time per level, and the slowest turns."""
    if not events:
        print("\n(no turn-timing events in the records: this service does not report them)")
        return
    print("\nWhere the time goes (service side, seconds; p50 / p95 over the turns):")
    print(f"{'calls':>5} {'turns':>5} " + " ".join(f"{p:>13}" for p in PARTS))
    for level in levels:
        turns = [t for sid in level.sids for t in events.get(sid, [])]
        cells = []
        for part in PARTS:
            values = [float(t[part]) for t in turns if part in t]
            cells.append(f"{statistics.median(values):.3f}/{percentile(values, 0.95):.3f}"
                         if values else "-")
        print(f"{level.calls:>5} {len(turns):>5} " + " ".join(f"{c:>13}" for c in cells))
    for level in levels:
        turns = [t for sid in level.sids for t in events.get(sid, [])]
        slowest = sorted(turns, key=lambda t: -float(t.get("total", 0.0)))[:3]
        print(f"slowest turns at {level.calls} calls:")
        for turn in slowest:
            print("   " + ", ".join(f"{k} {v}" for k, v in turn.items()))
