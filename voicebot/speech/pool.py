"""Bounded executors for inference, so heavy work never runs on the event loop.

ASR and TTS get separate executors: a long decode must never delay the first audio of a reply.
Both are sized for the machine; CTranslate2 and onnxruntime release the GIL while they compute,
so threads are enough. Which recognition request goes next is chosen before it gets here
(``speech/turn_queue.py``: final decodes first); each executor takes its work in order.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

_T = TypeVar("_T")

JobObserver = Callable[[str, float, float], None]
"""Told of each job on its worker thread: pool name, seconds queued, seconds running."""


class InferencePool:
    """The service's two inference queues; one per service, shared by every call."""

    def __init__(self, asr_workers: int | None = None, tts_workers: int | None = None,
                 asr_threads: int | None = None) -> None:
        cores = os.cpu_count() or 1
        self.asr_workers = asr_workers or max(1, cores // 16)
        self.tts_workers = tts_workers or max(1, min(2, cores // 2))
        self.asr_threads = asr_threads or max(1, min(8, cores // 2))
        """CTranslate2 intra-op threads for one decode (batched across calls): half the cores,
        so the event loop, the VAD and synthesis keep the other half (on 2 cores, 8 calls at
        once: p95 0.85 s with one thread, 1.06 s with two; docs/benchmarks.md)."""
        self._asr = ThreadPoolExecutor(self.asr_workers, thread_name_prefix="asr")
        self._tts = ThreadPoolExecutor(self.tts_workers, thread_name_prefix="tts")
        self.observe: JobObserver | None = None
        """Set by the service to time queues and jobs (metrics); None costs nothing."""

    async def asr(self, work: Callable[[], _T]) -> _T:
        return await self._run(self._asr, "asr", work)

    async def tts(self, work: Callable[[], _T]) -> _T:
        return await self._run(self._tts, "tts", work)

    async def _run(self, executor: ThreadPoolExecutor, name: str, work: Callable[[], _T]) -> _T:
        observe = self.observe
        if observe is None:
            return await asyncio.get_running_loop().run_in_executor(executor, work)
        queued = time.perf_counter()

        def timed() -> _T:
            started = time.perf_counter()
            try:
                return work()
            finally:
                observe(name, started - queued, time.perf_counter() - started)

        return await asyncio.get_running_loop().run_in_executor(executor, timed)

    def shutdown(self) -> None:
        self._asr.shutdown(wait=False, cancel_futures=True)
        self._tts.shutdown(wait=False, cancel_futures=True)
