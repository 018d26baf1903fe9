"""Which Twilio requests and streams are let in: each signed request once, one stream a call.

Twilio's signature proves a request came from Twilio but carries no time, so a captured request
could be sent again. ``Seen`` remembers what has been let in (a signature, a call sid) for a
while; ``StreamTickets`` binds each media stream to the signed voice webhook that announced its
call: the stream URL carries the call sid and a ticket (an expiry and an HMAC over both), so
every call's stream URL, and with it the handshake's signature, is different, a stream can only
be for an announced call, and it is let in once, within a short window.

``Seen`` is the only state. ``MemorySeen`` serves one process; several processes behind one
number need a shared one (``first_time`` as one atomic insert-if-absent with an expiry).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Protocol

_TICKET = re.compile(r"(\d{1,12})\.([0-9a-f]{32})")
_CALL_SID = re.compile(r"[A-Za-z]{2}[0-9A-Za-z]{10,64}")


class Seen(Protocol):
    """Remembers keys for a while; shared by every process that answers the same number."""

    def first_time(self, key: str, keep: float) -> bool:
        """Remember ``key`` for ``keep`` seconds; False if it is remembered already."""
        ...


class MemorySeen:
    """``Seen`` in this process's memory (entries expire, so it stays small)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def first_time(self, key: str, keep: float) -> bool:
        now = self._clock()
        with self._lock:
            if now >= self._next_sweep:
                self._until = {k: t for k, t in self._until.items() if t > now}
                self._next_sweep = now + 60.0
            if self._until.get(key, 0.0) > now:
                return False
            self._until[key] = now + keep
            return True

    def __len__(self) -> int:
        return len(self._until)


class StreamTickets:
    """Issues the per-call stream path in the voice webhook and admits each stream once."""

    def __init__(self, secret: str | None, seen: Seen, window: float = 30.0,
                 clock: Callable[[], float] = time.time) -> None:
        material = (secret or secrets.token_hex(32)).encode()
        self._key = hashlib.sha256(b"voicebot media stream tickets\0" + material).digest()
        self._seen = seen
        self.window = window
        self._clock = clock

    def issue(self, call_sid: str) -> str:
        """``{call_sid}/{ticket}``: the path segment the stream URL ends with."""
        expires = int(self._clock() + self.window) + 1
        return f"{call_sid}/{expires}.{self._mac(call_sid, expires)}"

    def admit(self, call_sid: str, ticket: str) -> str | None:
        """None when this stream may start; otherwise why not (for the log and the counters)."""
        match = _TICKET.fullmatch(ticket)
        if match is None or not _CALL_SID.fullmatch(call_sid):
            return "bad-ticket"
        expires = int(match.group(1))
        if not hmac.compare_digest(match.group(2), self._mac(call_sid, expires)):
            return "bad-ticket"
        if self._clock() > expires:
            return "late-stream"
        if not self._seen.first_time(f"stream:{call_sid}", 2 * self.window + 60):
            return "repeated-stream"
        return None

    def _mac(self, call_sid: str, expires: int) -> str:
        message = f"{call_sid}:{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]
