"""Small helpers for a call's concurrent tasks: waiting on one safely, naming a fault."""

from __future__ import annotations

import asyncio
from typing import Any

from voicebot.errors import VoicebotError


def now() -> float:
    """The event loop's clock (monotonic), for timing waits within a call."""
    return asyncio.get_running_loop().time()


def wrapped(err: Exception, code: str) -> VoicebotError:
    """An unexpected exception as a voicebot error with ``code``, so the session's one error
    path can apologise for it and record it."""
    return err if isinstance(err, VoicebotError) else VoicebotError(
        code, f"{type(err).__name__}: {err}")


async def settle(task: asyncio.Future[Any]) -> None:
    """Await a task that may have been cancelled, without swallowing our own cancellation
    (the call's time limit cancels the conversation wherever it is waiting)."""
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
