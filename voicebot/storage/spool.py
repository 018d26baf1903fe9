"""Spool: writes the database would not take, kept on disk until it takes them again.

When the database is unavailable for longer than the writer's patience (locked, unreachable,
its disk full), the writer hands the batch here instead of losing it. Each batch becomes one
JSON-lines file in the spool folder (written to a temporary name, flushed, then renamed, so a
crash never leaves half a file), readable by this service's user only. A thread looks every few
seconds: while the writer is storing again, it claims the oldest file by renaming it (so two
processes sharing the folder never replay one file twice), puts its writes back on the
writer's queue, and deletes it. A process that stops with files in the spool leaves them for
the next one. Writes are already redacted before they are queued, so nothing here holds a card
number, and each keypad write holds only the newest text of its run (the database would
have kept no other).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from voicebot.errors import StorageError
from voicebot.storage.writer import Write

_LOGGER = logging.getLogger(__name__)
SUFFIX = ".jsonl"


class Spool:
    """A folder of spilled batches, replayed through ``replay`` when ``writing`` says so."""

    def __init__(self, folder: Path, replay: Callable[[Write], None],
                 writing: Callable[[], bool], *, every: float = 5.0) -> None:
        self.folder = folder
        self._replay = replay
        self._writing = writing
        self._every = every
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sequence = 0
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._thread = threading.Thread(target=self._run, name="storage-spool", daemon=True)
        self._thread.start()

    def spill(self, writes: list[Write], err: StorageError) -> bool:
        """Keep ``writes`` on disk (True), or say loudly that they are lost (False)."""
        kept = _newest_keypad_text(writes)
        try:
            path = self._write_file(kept)
        except OSError as disk:
            _LOGGER.error("storage: %d write(s) LOST: the database failed (%s) and the spool "
                          "could not keep them (%s)", len(kept), err.message, disk)
            return False
        _LOGGER.warning("storage: %d write(s) kept in %s until the database takes them (%s)",
                        len(kept), path.name, err.message)
        return True

    def depth(self) -> int:
        """Batches waiting in the spool (this process's and any other's)."""
        return len(self._files())

    def replay_once(self) -> int:
        """Put the oldest waiting batch back on the writer's queue; how many writes it held."""
        for path in self._files():
            claimed = path.with_name(f"{path.name}.replaying-{os.getpid()}")
            try:
                path.rename(claimed)
            except FileNotFoundError:
                continue  # another process took it
            writes = _read(claimed)
            for write in writes:
                self._replay(write)
            claimed.unlink(missing_ok=True)
            _LOGGER.info("storage: %d spooled write(s) from %s queued again", len(writes),
                         path.name)
            return len(writes)
        return 0

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5.0)

    def _files(self) -> list[Path]:
        return sorted(self.folder.glob(f"*{SUFFIX}"))

    def _write_file(self, writes: list[Write]) -> Path:
        with self._lock:
            self._sequence += 1
            name = f"{time.time():017.6f}-{os.getpid()}-{self._sequence}{SUFFIX}"
        path, partial = self.folder / name, self.folder / f".{name}.partial"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                for write in writes:
                    out.write(json.dumps({"op": write.op, "args": write.args}, default=str))
                    out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            partial.rename(path)
        except OSError:
            partial.unlink(missing_ok=True)
            raise
        return path

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                if self._writing():
                    self.replay_once()
            except OSError as err:
                _LOGGER.warning("storage: the spool could not be read, will try again: %s", err)


def _read(path: Path) -> list[Write]:
    writes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data: dict[str, Any] = json.loads(line)
            writes.append(Write(str(data["op"]), tuple(data["args"])))
    return writes


def _newest_keypad_text(writes: list[Write]) -> list[Write]:
    """Each keypad write with the newest text of its run: the earlier ones hold the run so far,
    which the database would have overwritten, and a card's first digits are not yet a card."""
    latest: dict[Any, Any] = {}
    kept: list[Write] = []
    for write in reversed(writes):
        if write.op == "keypad" and len(write.args) == 4:
            sid, at, text, first = write.args
            text = latest.setdefault(sid, text)
            if first:
                latest.pop(sid)  # the run started here; an earlier write is another run
            write = Write("keypad", (sid, at, text, first))
        kept.append(write)
    return kept[::-1]
