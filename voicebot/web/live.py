"""The live feed behind the agent desktop: which transferred calls changed, as they change.

Built on the service's database, ``LiveQueue`` listens for the store's queue notices: the call
records send one when a transfer, the end of a transferred call or a caller leaving the queue is
committed, and the agents' queue when a claim or close is. On PostgreSQL those are ``NOTIFY``s,
so a desktop connected to any process hears of a change made in any other; on SQLite they stay
in the process. Each open desktop then reads that call from the records.

Built without a database (older wiring, some tests), it is an event sink instead: the app fans
every ``CallEvent`` to it, and ``transfer`` or the end of a transferred call wakes the desktops.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from voicebot.events import CallEvent, CallEventType
from voicebot.records.writes import QUEUE_CHANNEL
from voicebot.storage import EVERYTHING, Database

_REMEMBER = 5000
"""How many transferred call sids are remembered (so other calls' ends are ignored cheaply)."""

__all__ = ["EVERYTHING", "LiveQueue"]


class LiveQueue:
    """Fans "this call changed" notices out to every open desktop stream.

    An inbox gets a call sid, ``EVERYTHING`` when notices may have been missed (read the whole
    queue again), or ``None`` when the service is stopping.
    """

    def __init__(self, database: Database | None = None) -> None:
        self._subscribers: dict[asyncio.Queue[str | None], asyncio.AbstractEventLoop] = {}
        self._transferred: OrderedDict[str, None] = OrderedDict()
        self.closed = False
        self._stop_listening = (database.listen(QUEUE_CHANNEL, self.changed)
                                if database is not None else None)

    def __call__(self, event: CallEvent) -> None:
        """The event sink (only without a database): never blocks; safe from any thread."""
        if self._stop_listening is not None:
            return  # the store announces each change itself, once it is committed
        if event.type == CallEventType.TRANSFER:
            self._transferred[event.call_sid] = None
            while len(self._transferred) > _REMEMBER:
                self._transferred.popitem(last=False)
            self.changed(event.call_sid)
        elif event.type == CallEventType.CALL_END and event.call_sid in self._transferred:
            self.changed(event.call_sid)

    def changed(self, call_sid: str) -> None:
        """Tell every desktop open on this process that this call's entry should be read again."""
        for inbox, loop in list(self._subscribers.items()):
            try:
                loop.call_soon_threadsafe(inbox.put_nowait, call_sid)
            except RuntimeError:  # that stream's event loop has closed: it is gone
                self.unsubscribe(inbox)

    def subscribe(self) -> asyncio.Queue[str | None]:
        """A new inbox of changed sids; ``None`` arrives when the service is stopping."""
        inbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._subscribers[inbox] = asyncio.get_running_loop()
        if self.closed:
            inbox.put_nowait(None)
        return inbox

    def unsubscribe(self, inbox: asyncio.Queue[str | None]) -> None:
        self._subscribers.pop(inbox, None)

    @property
    def listeners(self) -> int:
        return len(self._subscribers)

    @property
    def shared(self) -> bool:
        """Whether changes come from the store (every process) rather than this process's sink."""
        return self._stop_listening is not None

    def close(self) -> None:
        """End every open stream (call at shutdown so the server is not held open)."""
        self.closed = True
        if self._stop_listening is not None:
            self._stop_listening()
        for inbox, loop in list(self._subscribers.items()):
            loop.call_soon_threadsafe(inbox.put_nowait, None)
