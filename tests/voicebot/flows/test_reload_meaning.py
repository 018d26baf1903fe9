"""Hot reload with intents read by meaning: a new example is embedded and used, off the loop."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

from voicebot.council.actions import Services
from voicebot.council.data import CouncilData
from voicebot.flows.registry import FlowRegistry

ROOT = Path(__file__).resolve().parents[3]
TEAMS = ["general", "bins", "council_tax"]


async def test_a_new_example_is_embedded_on_reload_while_the_loop_keeps_running(
        tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", folder, ignore=shutil.ignore_patterns("tests"))
    actions = Services(CouncilData(), tmp_path / "cases.db").actions
    registry = FlowRegistry(folder, actions, TEAMS)
    before = registry.current
    assert registry.describe()["intents_by_meaning"] is True
    said = "the fortnightly glass crate, which day does that go"
    assert before.router.rank(said)[0].example != "which day does the glass crate go out"

    bins = folder / "bins.yaml"
    bins.write_text(bins.read_text().replace(
        "      - what day do the bin men come\n",
        "      - what day do the bin men come\n      - which day does the glass crate go out\n"))
    os.utime(bins, (time.time() + 5, time.time() + 5))
    watcher = asyncio.create_task(registry.watch(interval=0.05))
    ticks = 0
    try:
        async with asyncio.timeout(30):
            while registry.current is before:
                ticks += 1
                await asyncio.sleep(0.01)
    finally:
        watcher.cancel()
    assert ticks > 1
    best = registry.current.router.rank(said)[0]
    assert best.intent == "bin_day"
    assert best.example == "which day does the glass crate go out"
