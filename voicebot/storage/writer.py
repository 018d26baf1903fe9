"""One thread that applies queued writes in batches, one transaction per batch, and never drops
a batch quietly.

Callers on the event loop only ``put`` a ``Write``: an operation name and plain arguments, not a
closure, so a batch the database will not take can be handed to ``spill`` as data (a later spool
writes it to disk and ``put``s it back when the database returns). A locked or unreachable
database is retried with exponential backoff for ``give_up_after`` seconds; a write the
database refuses outright (bad data) is skipped alone, the rest of its batch is kept. ``apply``
must keep no memory of its own between writes, so that a retried batch is applied afresh.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from voicebot.errors import StorageError, StorageUnavailable
from voicebot.storage.database import Connection, Database

_LOGGER = logging.getLogger(__name__)
_FAULTS = (StorageError, ValueError, TypeError, KeyError)
"""What one bad write can raise; it is skipped and logged, and the others in its batch kept."""


@dataclass(frozen=True)
class Write:
    """One queued change: what to do and with what (plain, serialisable values)."""

    op: str
    args: tuple[Any, ...]


Apply = Callable[[Connection, Write], None]
Spill = Callable[[list[Write], StorageError], bool | None]
"""Keeps a batch the database would not take: True when it is kept (a disk spool), False or
None when it is lost (then counted as lost)."""
State = Literal["ok", "retrying", "spooled", "lost-writes"]


@dataclass(frozen=True)
class WriterHealth:
    """What ``/healthz`` can say about storage."""

    state: State
    pending: int
    lost: int
    last_error: str | None
    spooled: int = 0
    """Batches waiting on disk for the database (when a spool keeps them)."""

    @property
    def healthy(self) -> bool:
        """Every write is being stored: none lost, none waiting on disk, no retries now."""
        return self.state == "ok" and not self.spooled


def log_lost(writes: list[Write], err: StorageError) -> bool:
    """The default ``spill``: say loudly what was lost (a disk spool replaces this)."""
    _LOGGER.error("storage: %d write(s) LOST after retrying: %s", len(writes), err.message)
    return False


class BatchWriter:
    """Applies ``put`` writes with ``apply`` on its own thread until ``close()``."""

    def __init__(self, database: Database, apply: Apply, *, name: str = "db-writer",
                 batch: int = 200, give_up_after: float = 120.0, spill: Spill = log_lost,
                 housekeeping: Callable[[], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.database = database
        self._apply = apply
        self._batch = batch
        self._give_up_after = give_up_after
        self._spill = spill
        self._housekeeping = housekeeping
        self._sleep = sleep
        self._queue: queue.Queue[Write | threading.Event | None] = queue.Queue()
        self._state: State = "ok"
        self._lost = 0
        self._last_error: str | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, write: Write) -> None:
        """Queue one write; never blocks."""
        self._queue.put(write)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every write queued so far is stored (True), or ``timeout`` passes."""
        if not self._thread.is_alive():
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Store what is queued, then stop the thread."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)

    def health(self) -> WriterHealth:
        return WriterHealth(self._state, self._queue.qsize(), self._lost, self._last_error)

    def _run(self) -> None:
        while True:
            try:
                items = [self._queue.get(timeout=3600.0)]
            except queue.Empty:
                items = []
            while len(items) < self._batch:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            writes = [item for item in items if isinstance(item, Write)]
            if writes:
                self._store(writes)
            self._tidy()
            for item in items:
                if isinstance(item, threading.Event):
                    item.set()
            if None in items:
                return

    def _store(self, writes: list[Write]) -> None:
        """Commit ``writes``, retrying "not now" with backoff; spill them when out of patience."""
        started, delay = time.monotonic(), 0.05
        while True:
            try:
                self._commit(writes)
            except StorageUnavailable as err:
                self._last_error = err.message
                waited = time.monotonic() - started
                if waited >= self._give_up_after:
                    if self._spill(writes, err):
                        self._state = "spooled" if self._state != "lost-writes" else self._state
                    else:
                        self._state, self._lost = "lost-writes", self._lost + len(writes)
                    return
                if self._state != "retrying":
                    _LOGGER.warning("storage: %d write(s) waiting: %s; retrying for up to "
                                    "%.0f s", len(writes), err.message, self._give_up_after)
                self._state = "retrying"
                self._sleep(min(delay, self._give_up_after - waited))
                delay = min(delay * 2, 2.0)
                continue
            if self._state in ("retrying", "spooled"):
                _LOGGER.info("storage: writes stored again after %.1f s",
                             time.monotonic() - started)
                self._state = "ok"
            return

    def _commit(self, writes: list[Write]) -> None:
        """One transaction; if a write in it is refused, again with each write on its own."""
        try:
            self._commit_together(writes)
        except StorageUnavailable:
            raise
        except _FAULTS:
            self._commit_one_by_one(writes)

    def _commit_together(self, writes: list[Write]) -> None:
        with self.database.transaction() as conn:
            for write in writes:
                self._apply(conn, write)

    def _commit_one_by_one(self, writes: list[Write]) -> None:
        """The slow path after a refused batch: each write in a savepoint, bad ones skipped."""
        with self.database.transaction() as conn:
            for write in writes:
                try:
                    with conn.savepoint():
                        self._apply(conn, write)
                except StorageUnavailable:
                    raise
                except _FAULTS:
                    _LOGGER.exception("storage: a %s write was refused and skipped", write.op)

    def _tidy(self) -> None:
        if self._housekeeping is None:
            return
        try:
            self._housekeeping()
        except StorageError as err:
            _LOGGER.warning("storage: housekeeping failed, will try again: %s", err.message)
