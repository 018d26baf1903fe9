"""The production engine: PostgreSQL through psycopg 3 and a ``psycopg-pool`` connection pool.

Each transaction borrows a pooled connection (checked before use, so a restarted server costs no
failed request). Change notices are PostgreSQL ``NOTIFY``: sent inside the writing transaction,
so they are delivered only once the data is committed, and to every process that ``LISTEN``s; one
thread per process holds the listening connection and reconnects with backoff.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

import psycopg
import psycopg.errors
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from voicebot.errors import DuplicateKey, StorageError, StorageUnavailable
from voicebot.storage.database import (
    EVERYTHING,
    Connection,
    Cursor,
    Database,
    Listener,
    call_listener,
    safe_url,
)

_LOGGER = logging.getLogger(__name__)
_CHANNEL = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_TOKENS = re.compile(r"'(?:[^']|'')*'|\?|%")


@contextlib.contextmanager
def postgres_errors() -> Iterator[None]:
    """psycopg's exceptions as voicebot's storage errors."""
    try:
        yield
    except psycopg.errors.UniqueViolation as err:
        raise DuplicateKey("duplicate-key", str(err)) from err
    except (psycopg.OperationalError, psycopg.InterfaceError) as err:
        # Connection loss, server shutdown, pool timeout, full disk, lock or serialisation
        # failure: all "not now".
        raise StorageUnavailable("database-unavailable", str(err)) from err
    except psycopg.Error as err:
        raise StorageError("database-error", str(err)) from err


@functools.lru_cache(maxsize=512)
def pyformat(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` (and a literal ``%`` as ``%%``)."""

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        return token.replace("%", "%%")

    return _TOKENS.sub(swap, sql)


class _PostgresConnection(Connection):
    dialect = "postgresql"

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        with postgres_errors():
            return self._conn.execute(pyformat(sql), tuple(params))  # type: ignore[arg-type]

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        with postgres_errors(), self._conn.transaction():
            yield

    def notify(self, channel: str, payload: str) -> None:
        self.execute("SELECT pg_notify(?, ?)", (_channel(channel), payload))


class PostgresDatabase(Database):
    """A pool of up to ``pool_size`` connections to the server at ``url`` (a libpq URI)."""

    dialect = "postgresql"

    def __init__(self, url: str, *, pool_size: int = 8, timeout: float = 5.0) -> None:
        self._conninfo = url
        self.url = safe_url(url)
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url, min_size=min(2, pool_size), max_size=pool_size, timeout=timeout,
            kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": 5},
            check=ConnectionPool.check_connection, name="voicebot", open=False)
        with postgres_errors():
            self._pool.open(wait=True, timeout=timeout)
        self._listening: _Listening | None = None
        self._guard = threading.Lock()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with postgres_errors(), self._pool.connection() as conn, conn.transaction():
            yield _PostgresConnection(conn)

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Connection]:
        return self._transaction()

    def listen(self, channel: str, listener: Listener) -> Callable[[], None]:
        with self._guard:
            if self._listening is None:
                self._listening = _Listening(self._conninfo)
                self._listening.start()
            listening = self._listening
        stop = listening.add(_channel(channel), listener)
        listening.wait_for(channel, timeout=5.0)
        return stop

    def close(self) -> None:
        with self._guard:
            if self._listening is not None:
                self._listening.stop()
                self._listening = None
        self._pool.close()


class _Listening(threading.Thread):
    """Holds one ``LISTEN`` connection and hands each notice to the channel's listeners."""

    def __init__(self, conninfo: str) -> None:
        super().__init__(name="db-listen", daemon=True)
        self._conninfo = conninfo
        self._listeners: defaultdict[str, list[Listener]] = defaultdict(list)
        self._listening: set[str] = set()
        self._lock = threading.Lock()
        self._subscribed = threading.Condition(self._lock)
        self._stopping = threading.Event()

    def add(self, channel: str, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners[channel].append(listener)

        def stop() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._listeners[channel].remove(listener)

        return stop

    def wait_for(self, channel: str, timeout: float) -> bool:
        """Wait until notices on ``channel`` are being received (False if the server is down)."""
        with self._subscribed:
            return self._subscribed.wait_for(lambda: channel in self._listening, timeout)

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=5)

    def run(self) -> None:
        backoff, lost = 0.5, False
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as conn:
                    with self._lock:
                        self._listening.clear()
                    self._subscribe(conn)
                    if lost:
                        _LOGGER.info("change notices: listening again")
                        for channel in list(self._listeners):
                            self._dispatch(channel, EVERYTHING)
                    backoff, lost = 0.5, False
                    while not self._stopping.is_set():
                        for notice in conn.notifies(timeout=0.25):
                            self._dispatch(notice.channel, notice.payload)
                        self._subscribe(conn)
            except psycopg.Error as err:
                lost = True
                _LOGGER.warning("change notices: connection lost (%s); retrying in %.1f s",
                                err, backoff)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def _subscribe(self, conn: psycopg.Connection[Any]) -> None:
        with self._lock:
            wanted = set(self._listeners) - self._listening
        for channel in wanted:
            conn.execute(f"LISTEN {channel}")  # checked against _CHANNEL: a plain identifier
        with self._subscribed:
            self._listening |= wanted
            self._subscribed.notify_all()

    def _dispatch(self, channel: str, payload: str) -> None:
        with self._lock:
            listeners = list(self._listeners.get(channel, ()))
        for listener in listeners:
            call_listener(listener, payload)


def _channel(name: str) -> str:
    if not _CHANNEL.fullmatch(name):
        raise ValueError(f"not a plain channel name: {name!r}")
    return name
