"""Writes the database would not take wait on disk and are stored when it is back: nothing is
lost, nothing in the spool holds a card number, and /healthz says so meanwhile."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from tests.voicebot.storage.test_writer import T0, hold_lock, keyed_call
from voicebot.errors import StorageUnavailable
from voicebot.events import CallEvent, CallEventType
from voicebot.records import CallRecords
from voicebot.storage.spool import Spool
from voicebot.storage.writer import Write

DOWN = StorageUnavailable("database-unavailable", "database is locked")


def wait_for(check: object, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_locked_database_loses_nothing_the_spool_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "voicebot.db"
    records = CallRecords(path, give_up_after=0.5, spool=tmp_path / "spool", spool_every=0.2)
    records.flush()
    # Far longer than the writer's patience, so that on a loaded machine the lock is still
    # held when the health is read (3 s was seen to run out first under a full test run).
    holder = hold_lock(path, 6.0)
    keyed_call(records, "SPOOLED", "42")
    records(CallEvent(CallEventType.TRANSCRIPT, "SPOOLED",
                      {"text": "my card is 4111 1111 1111 1111"}, T0 + 21))
    records.call_status("SPOOLED", "completed")
    wait_for(lambda: records.health().spooled > 0 and records.health().state == "spooled")
    during = records.health()
    files = list((tmp_path / "spool").glob("*.jsonl"))
    on_disk = "".join(f.read_text() for f in files)
    modes = {stat.S_IMODE(f.stat().st_mode) for f in files}
    holder.join()
    wait_for(lambda: records.health().healthy)
    call = records.get_call("SPOOLED")
    after = records.health()
    records.close()
    assert during.state == "spooled" and not during.healthy and during.lost == 0
    assert "4111" not in on_disk and "[redacted number]" in on_disk
    assert modes == {0o600}
    assert after.state == "ok" and after.spooled == 0 and after.lost == 0
    assert call is not None and call["outcome"] == "contained" and call["status"] == "completed"
    assert [t["text"] for t in call["turns"]] == ["Key your account number", "[keypad] 42",
                                                 "my card is [redacted number]"]


def test_a_spool_that_cannot_write_says_the_writes_are_lost(tmp_path: Path) -> None:
    folder = tmp_path / "spool"
    spool = Spool(folder, lambda write: None, lambda: False, every=60)
    try:
        os.chmod(folder, 0o500)  # as a full or read-only disk answers
        kept = spool.spill([Write("status", ("CA1", "completed", T0))], DOWN)
    finally:
        os.chmod(folder, 0o700)
        spool.close()
    assert kept is (os.geteuid() == 0)  # root writes anyway; anyone else is refused


def test_keypad_writes_on_disk_hold_only_the_newest_text_of_their_run(tmp_path: Path) -> None:
    replayed: list[Write] = []
    spool = Spool(tmp_path / "spool", replayed.append, lambda: True, every=60)
    writes = [Write("keypad", ("CA1", T0, "[keypad] 4", True)),
              Write("keypad", ("CA1", T0 + 1, "[keypad] 45", False)),
              Write("keypad", ("CA1", T0 + 2, "[keypad] [redacted number]", False)),
              Write("keypad", ("CA1", T0 + 9, "[keypad] 1", True))]
    assert spool.spill(writes, DOWN)
    assert spool.depth() == 1
    assert spool.replay_once() == 4
    spool.close()
    assert [w.args[2] for w in replayed] == ["[keypad] [redacted number]"] * 3 + ["[keypad] 1"]
    assert [w.args[3] for w in replayed] == [True, False, False, True]
    assert spool.depth() == 0
