"""The live feed behind the agent desktop: which transferred calls changed, as they change.

``LiveQueue`` is an event sink: the app fans every ``CallEvent`` to it, and a ``transfer`` (or the
end of a transferred call) wakes each open desktop, which then reads the call from the records.
The desktop's own claims and closes are announced the same way.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from voicebot.events import CallEvent, CallEventType

_REMEMBER = 5000
"""How many transferred call sids are remembered (so other calls' ends are ignored cheaply)."""


class LiveQueue:
    """Fans "this call changed" notices out to every open desktop stream."""

    def __init__(self) -> None:
        self._subscribers: dict[asyncio.Queue[str | None], asyncio.AbstractEventLoop] = {}
        self._transferred: OrderedDict[str, None] = OrderedDict()
        self.closed = False

    def __call__(self, event: CallEvent) -> None:
        """The event sink: never blocks; safe to call from any thread."""
        if event.type == CallEventType.TRANSFER:
            self._transferred[event.call_sid] = None
            while len(self._transferred) > _REMEMBER:
                self._transferred.popitem(last=False)
            self.changed(event.call_sid)
        elif event.type == CallEventType.CALL_END and event.call_sid in self._transferred:
            self.changed(event.call_sid)

    def changed(self, call_sid: str) -> None:
        """Tell every open desktop that this call's entry should be read again."""
        for inbox, loop in list(self._subscribers.items()):
            loop.call_soon_threadsafe(inbox.put_nowait, call_sid)

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

    def close(self) -> None:
        """End every open stream (call at shutdown so the server is not held open)."""
        self.closed = True
        for inbox, loop in list(self._subscribers.items()):
            loop.call_soon_threadsafe(inbox.put_nowait, None)
