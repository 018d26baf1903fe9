"""Which recognition requests the shared Whisper decodes next: turns first, not jobs.

A final decode (a caller has stopped talking and waits for the answer) goes before any
partial decode (speculative: is what was said so far already a whole answer?). Partials are
dropped while finals wait, since the recogniser is busy and the turn will end by silence
anyway after its normal pause, except a partial that saves more than a final costs: one of a
postcode or account number spelled out with pauses, whose turn would otherwise wait out the
long pause allowed between pieces (1.6 s), waits behind the finals instead. Batching comes
from the queue itself: whatever arrived while the previous decode ran is decoded together, so
a lone caller never waits for others to join a batch.
"""

from __future__ import annotations

import asyncio
from typing import Any, Generic, Protocol, TypeVar

from voicebot.errors import RecognitionError

PARTIAL_DROPPED = "asr-partial-dropped"
"""The code of the error a dropped partial's future gets (the listener decodes afresh)."""



class Queued(Protocol):
    """A request as the queue sees it: its future, whether it is partial, and whether it may
    be dropped while finals wait."""

    @property
    def future(self) -> asyncio.Future[Any]: ...

    @property
    def partial(self) -> bool: ...

    @property
    def droppable(self) -> bool: ...


_R = TypeVar("_R", bound=Queued)


class TurnQueue(Generic[_R]):
    """Waiting requests for one event loop; ``batch`` hands out the next batch to decode."""

    def __init__(self, max_batch: int) -> None:
        self._max_batch = max_batch
        self._waiting: list[_R] = []
        self._ready = asyncio.Event()
        self.dropped = 0

    def put(self, item: _R) -> None:
        self._waiting.append(item)
        self._ready.set()

    async def batch(self, settle: float = 0.0) -> list[_R]:
        """The next batch: waiting finals (oldest first), else waiting partials; ``settle``
        seconds after the first request, for others to join (none by default). Droppable
        partials waiting beside a final are dropped; the others wait their turn."""
        while True:
            await self._ready.wait()
            if settle > 0:
                await asyncio.sleep(settle)
            self._ready.clear()
            live = [q for q in self._waiting if not q.future.done()]
            finals = [q for q in live if not q.partial]
            if finals:
                self._drop([q for q in live if q.partial and q.droppable])
                chosen = finals[: self._max_batch]
            else:
                chosen = live[: self._max_batch]
            taken = {id(q) for q in chosen}  # by identity: requests hold arrays, not comparable
            self._waiting = [q for q in live if id(q) not in taken and not q.future.done()]
            if self._waiting:
                self._ready.set()
            if chosen:
                return chosen

    def _drop(self, partials: list[_R]) -> None:
        error = RecognitionError(PARTIAL_DROPPED, "partial decode dropped: recogniser busy")
        for item in partials:
            item.future.set_exception(error)
            self.dropped += 1
