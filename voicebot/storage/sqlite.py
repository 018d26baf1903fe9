"""The embedded engine: one SQLite file in the state directory, so ``make run`` needs nothing else.

One connection, shared under a lock, in WAL mode. The file and its ``-wal``/``-shm`` are 0600
and a directory made for them is 0700, because call records are personal data. Change notices
stay in this process: several processes sharing one database is what PostgreSQL is for.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from voicebot.errors import DuplicateKey, StorageError, StorageUnavailable
from voicebot.storage.database import Connection, Cursor, Database, Listener, call_listener

_LOGGER = logging.getLogger(__name__)

_TRANSIENT = frozenset({
    sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL,
})
"""Primary result codes that mean "not now" rather than "never": a lock, a full disk."""


@contextlib.contextmanager
def sqlite_errors() -> Iterator[None]:
    """SQLite's exceptions as voicebot's storage errors."""
    try:
        yield
    except sqlite3.IntegrityError as err:
        if "UNIQUE" in str(err) or "PRIMARY KEY" in str(err):
            raise DuplicateKey("duplicate-key", str(err)) from err
        raise StorageError("constraint-failed", str(err)) from err
    except sqlite3.Error as err:
        code = getattr(err, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in _TRANSIENT:
            raise StorageUnavailable("database-unavailable", str(err)) from err
        raise StorageError("database-error", str(err)) from err


class _SqliteConnection(Connection):
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.notices: list[tuple[str, str]] = []
        self._savepoints = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        with sqlite_errors():
            return self._conn.execute(sql, tuple(params))

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        self.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.execute(f"ROLLBACK TO {name}")
            self.execute(f"RELEASE {name}")
            raise
        self.execute(f"RELEASE {name}")

    def notify(self, channel: str, payload: str) -> None:
        if (channel, payload) not in self.notices:
            self.notices.append((channel, payload))


OPEN_TIMEOUT = 30.0
"""Seconds opening the file may wait for another process's lock (as migrations do)."""


def _write_ahead_log(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL mode, waiting for other openers.

    SQLite answers "locked" at once, without its busy wait, when another connection holds the
    new file while the mode changes (processes starting together), so the wait is done here.
    """
    deadline = time.monotonic() + OPEN_TIMEOUT
    pause = 0.01
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


class SqliteDatabase(Database):
    """The database in one file; ``busy_timeout`` is how long a statement waits for a lock."""

    dialect = "sqlite"

    def __init__(self, path: Path, *, busy_timeout: float = 1.0) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        _private_file(path)
        with sqlite_errors():
            # Opening may wait behind another process's migration (a table rebuild can take
            # seconds on a busy machine); statements afterwards wait ``busy_timeout``.
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                         timeout=OPEN_TIMEOUT)
            self._conn.row_factory = sqlite3.Row
            _write_ahead_log(self._conn)
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        _private_siblings(path)
        self._lock = threading.Lock()
        self._listeners: defaultdict[str, list[Listener]] = defaultdict(list)

    @contextlib.contextmanager
    def _transaction(self, write: bool) -> Iterator[Connection]:
        with self._lock:
            conn = _SqliteConnection(self._conn)
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except StorageError:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                raise
        for channel, payload in conn.notices:
            self._dispatch(channel, payload)

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Connection]:
        return self._transaction(write)

    def listen(self, channel: str, listener: Listener) -> Callable[[], None]:
        self._listeners[channel].append(listener)

        def stop() -> None:
            with contextlib.suppress(ValueError):
                self._listeners[channel].remove(listener)

        return stop

    def _dispatch(self, channel: str, payload: str) -> None:
        for listener in list(self._listeners.get(channel, ())):
            call_listener(listener, payload)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _private_file(path: Path) -> None:
    """Create the file 0600 (and its folder 0700 when it is new); tighten an existing file."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, mode=0o700)
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    except FileExistsError:
        if stat.S_IMODE(folder.stat().st_mode) & 0o077:
            _LOGGER.warning("%s can be listed by other users; `chmod 700` it (it holds "
                            "call records)", folder)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def _private_siblings(path: Path) -> None:
    """SQLite makes ``-wal``/``-shm`` with the file's mode; ones from older runs are tightened."""
    for suffix in ("-wal", "-shm", "-journal"):
        sibling = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(sibling, 0o600)
