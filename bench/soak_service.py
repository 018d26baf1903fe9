"""The service `bench/soak.py` calls: `voicebot serve`'s app with faults injected inside it.

Run as its own process (as in production). Settings come from the environment like `voicebot
serve`. Recognition and synthesis raise an unexpected exception for a share of their jobs
(``SOAK_ASR_FAULTS``, ``SOAK_TTS_FAULTS``), and a watcher on the event loop notes every stall
over 100 ms. ``GET /soak/stats`` reports the faults injected, the stalls and the memory.

    python bench/soak_service.py PORT
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voicebot.app import create_app
from voicebot.config import load_settings
from voicebot.logs import configure_logging
from voicebot.speech.base import Hints, Transcript

STALL = 0.1
INJECTED = {"asr": 0, "tts": 0}
ARMED = {"on": False}
"""Faults start with the first ``/soak/stats`` request, after start-up's own warm-up."""
STALLS: list[float] = []
RANDOM = random.Random(int(os.environ.get("SOAK_SEED", "7")))


class FaultyRecognizer:
    """The service's recogniser, failing a share of its jobs the way a bug would."""

    def __init__(self, inner: Any, share: float) -> None:
        self.inner, self.share = inner, share

    async def transcribe(self, audio: np.ndarray, hints: Hints) -> Transcript:
        if ARMED["on"] and RANDOM.random() < self.share:
            INJECTED["asr"] += 1
            raise RuntimeError("injected fault in feature extraction")
        result: Transcript = await self.inner.transcribe(audio, hints)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def faulty_render(render: Callable[..., bytes], share: float) -> Callable[..., bytes]:
    def render_at(text: str, rate: int, language: str = "en") -> bytes:
        if ARMED["on"] and RANDOM.random() < share:
            INJECTED["tts"] += 1
            raise RuntimeError("injected fault in synthesis")
        return render(text, rate, language)

    return render_at


def resident_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def watch_the_loop() -> None:
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(0.02)
        late = loop.time() - before - 0.02
        if late > STALL:
            STALLS.append(late)


async def main(port: int) -> None:
    configure_logging()
    app = create_app(load_settings())
    engines = app.state.service.engines
    engines.recognizer = FaultyRecognizer(engines.recognizer,
                                          float(os.environ.get("SOAK_ASR_FAULTS", "0")))
    engines.render_at = faulty_render(engines.render_at,
                                      float(os.environ.get("SOAK_TTS_FAULTS", "0")))

    @app.get("/soak/stats")
    async def stats() -> dict[str, Any]:
        ARMED["on"] = True
        return {"injected": INJECTED, "stalls": len(STALLS),
                "worst_stall": max(STALLS, default=0.0), "resident_mb": resident_mb(),
                "calls_in_progress": app.state.service.calls_in_progress}

    watcher = asyncio.create_task(watch_the_loop())
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           ws="websockets", proxy_headers=False))
    try:
        await server.serve()
    finally:
        watcher.cancel()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
