"""The one interface every store in voicebot uses, whichever engine is behind it.

Stores (call records, the agents' queue, cases, desktop sessions, call outcomes) write plain SQL
with ``?`` placeholders in the dialect both engines share; the engine adapts placeholders, maps
its own exceptions onto ``StorageError``/``StorageUnavailable``/``DuplicateKey``, and carries
change notices to every process that shares the database. Every call blocks: run it in a worker
thread, never on the event loop.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

_LOGGER = logging.getLogger(__name__)

Dialect = Literal["sqlite", "postgresql"]
Listener = Callable[[str], None]
"""Called with a notice's payload, on a storage thread; must not block."""
EVERYTHING = "*"
"""The payload listeners get when notices may have been missed (a lost connection)."""


class Row(Protocol):
    """A result row, read by column name (``sqlite3.Row`` and psycopg's ``dict_row`` both are)."""

    def __getitem__(self, key: str, /) -> Any: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(abc.ABC):
    """One transaction's connection; ``execute`` takes ``?`` placeholders on every engine."""

    dialect: Dialect

    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """Run one statement; engine errors come out as ``StorageError`` and its kinds."""

    @abc.abstractmethod
    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: an error inside undoes only what was done inside."""

    @abc.abstractmethod
    def notify(self, channel: str, payload: str) -> None:
        """Tell ``channel``'s listeners in every process, once this transaction commits."""


class Database(abc.ABC):
    """A connection pool (or one guarded connection) to one database, migrated to the head."""

    dialect: Dialect
    url: str
    """Where the data is, with any password removed (safe to log)."""

    @abc.abstractmethod
    def transaction(self, *, write: bool = True) -> AbstractContextManager[Connection]:
        """A connection in a transaction that commits on exit, or rolls back on an error."""

    @abc.abstractmethod
    def listen(self, channel: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for each notice on ``channel``; returns the way to stop."""

    def notify(self, channel: str, payload: str) -> None:
        """Send one notice now, outside any other transaction."""
        with self.transaction() as conn:
            conn.notify(channel, payload)

    @abc.abstractmethod
    def close(self) -> None:
        """Close every connection; the database is unusable afterwards."""


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def safe_url(url: str) -> str:
    """``url`` without a password, for logs and ``/healthz``."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    credentials, _, host = rest.partition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{host}" if user else f"{scheme}://{host}"


def call_listener(listener: Listener, payload: str) -> None:
    """Hand a notice to one listener; a listener that fails must not stop the others (or the
    thread that delivers them), so its error is logged with its traceback."""
    try:
        listener(payload)
    except Exception:
        _LOGGER.exception("change notice %r: a listener failed", payload)
