"""The writer never drops a batch quietly: a locked or stopped database is retried with backoff,
a batch it cannot wait for goes to ``spill`` as data, and one refused write spoils nothing else.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from tests.postgres import PostgresServer
from voicebot.errors import StorageError
from voicebot.events import CallEvent, CallEventType
from voicebot.records import CallRecords
from voicebot.storage.writer import Write

T0 = 1_709_546_400.0


def hold_lock(path: Path, seconds: float) -> threading.Thread:
    """Another process's long write transaction on the SQLite file, for ``seconds``."""
    locked = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        locked.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    locked.wait()
    return thread


def keyed_call(records: CallRecords, sid: str, digits: str) -> None:
    records(CallEvent(CallEventType.CALL_START, sid, {"from": "+447700900123", "to": ""}, T0))
    records(CallEvent(CallEventType.SAY, sid, {"text": "Key your account number"}, T0 + 1))
    for index, digit in enumerate(digits):
        records(CallEvent(CallEventType.DIGITS, sid, {"digit": digit}, T0 + 2 + index))
    records(CallEvent(CallEventType.CALL_END, sid, {"outcome": "contained"}, T0 + 20))


def test_a_database_locked_longer_than_sqlites_own_wait_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "voicebot.db"
    records = CallRecords(path)
    keyed_call(records, "BEFORE", "12")
    records.flush()
    holder = hold_lock(path, 5.5)  # longer than the 5 s sqlite3 waits by itself
    keyed_call(records, "DURING", "1234")
    time.sleep(2.0)
    during = records.health()
    keyed_call(records, "LATER", "99")
    holder.join()
    calls = [records.get_call(sid) for sid in ("BEFORE", "DURING", "LATER")]
    after = records.health()
    records.close()
    assert during.state == "retrying" and during.last_error
    assert after.state == "ok" and after.lost == 0
    assert [c["outcome"] if c else None for c in calls] == ["contained"] * 3
    assert calls[1] is not None
    assert [t["text"] for t in calls[1]["turns"]] == ["Key your account number",
                                                     "[keypad] 1234"]  # retried, not doubled


def test_writes_it_cannot_wait_for_are_spilled_as_data_and_can_be_replayed(
        tmp_path: Path) -> None:
    path = tmp_path / "voicebot.db"
    spilled: list[Write] = []
    errors: list[StorageError] = []

    def spill(writes: list[Write], err: StorageError) -> None:
        spilled.extend(writes)
        errors.append(err)

    records = CallRecords(path, give_up_after=0.5, spill=spill)
    records.flush()
    holder = hold_lock(path, 2.0)
    keyed_call(records, "SPILT", "42")
    records(CallEvent(CallEventType.TRANSCRIPT, "SPILT",
                      {"text": "my card is 4111 1111 1111 1111"}, T0 + 21))
    records.call_status("SPILT", "completed")
    holder.join()
    records.flush()
    assert records.health().state == "lost-writes" and records.health().lost == len(spilled)
    assert records.get_call("SPILT") is None
    assert errors and errors[0].code == "database-unavailable"
    on_disk = [json.dumps({"op": w.op, "args": w.args}) for w in spilled]  # a spool's lines
    assert "my card is [redacted number]" in "".join(on_disk)  # redacted before it was queued
    assert "4111" not in "".join(on_disk)
    for line in on_disk:
        replayed = json.loads(line)
        records.write(Write(replayed["op"], tuple(replayed["args"])))
    call = records.get_call("SPILT")
    records.close()
    assert call is not None and call["outcome"] == "contained" and call["status"] == "completed"
    assert [t["text"] for t in call["turns"]] == ["Key your account number", "[keypad] 42",
                                                 "my card is [redacted number]"]


def test_one_refused_write_spoils_nothing_else(database_url: str) -> None:
    records = CallRecords(database_url)
    records(CallEvent(CallEventType.CALL_START, "CA1", {"from": "", "to": ""}, T0))
    records.write(Write("no-such-change", ("CA1",)))
    records(CallEvent(CallEventType.SAY, "CA1", {"text": "Hello"}, T0 + 1))
    records(CallEvent(CallEventType.CALL_END, "CA1", {"outcome": "contained"}, T0 + 2))
    call = records.get_call("CA1")
    health = records.health()
    records.close()
    assert call is not None and call["outcome"] == "contained"
    assert [t["text"] for t in call["turns"]] == ["Hello"]
    assert health.state == "ok"


def test_a_postgres_restart_loses_nothing() -> None:
    server = PostgresServer.start()
    try:
        records = CallRecords(server.create_database())
        keyed_call(records, "BEFORE", "1")
        records.flush()
        server.halt()
        keyed_call(records, "DURING", "22")  # its pooled connections are now dead
        time.sleep(1.0)
        server.resume()
        calls = [records.get_call(sid) for sid in ("BEFORE", "DURING")]
        assert records.health().state == "ok"
        records.close()
    finally:
        server.stop()
    assert [c["outcome"] if c else None for c in calls] == ["contained", "contained"]
