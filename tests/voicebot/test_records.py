"""Call records on both engines (a real SQLite file, a real PostgreSQL): events in, API JSON out,
privacy, drops, retention, claims."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import psycopg
import pytest

from voicebot.events import CallEvent, CallEventType
from voicebot.records import CallRecords, ClaimError, HandoffQueue, mask_number
from voicebot.storage import open_database

T0 = datetime(2024, 3, 4, 10, 0, tzinfo=UTC).timestamp()
CARD = "4111 1111 1111 1111"


class Clock:
    def __init__(self, at: float = T0) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def records(database_url: str, clock: Clock) -> Iterator[CallRecords]:
    store = CallRecords(database_url, retention_days=90, clock=clock)
    yield store
    store.close()


def stored_bytes(url: str) -> bytes:
    """Everything the database holds, as the engine keeps it (files, or every row as text)."""
    if url.startswith("sqlite:///"):
        folder = Path(url.removeprefix("sqlite:///")).parent
        return b"".join(p.read_bytes() for p in folder.iterdir())
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return "".join(str(conn.execute(f"SELECT t::text FROM {table} t").fetchall())
                       for table in tables).encode()


def count(url: str, table: str) -> int:
    database = open_database(url)
    try:
        with database.transaction(write=False) as conn:
            return int(conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"])
    finally:
        database.close()


def emit(records: CallRecords, sid: str, kind: CallEventType, at: float, **data: Any) -> None:
    records(CallEvent(kind, sid, data, at))


def council_tax_call(records: CallRecords, sid: str = "CA1", at: float = T0) -> None:
    """A call that asks about council tax, gets verified, and is transferred."""
    records.call_ringing(sid, "+447700900123", "+441130000000")
    emit(records, sid, CallEventType.CALL_START, at, **{"from": "+447700900123",
                                                       "to": "+441130000000"})
    emit(records, sid, CallEventType.SAY, at + 1, text="Hello, how can I help?",
         interrupted=False)
    emit(records, sid, CallEventType.TRANSCRIPT, at + 4, text="I'm moving home", confidence=0.9)
    emit(records, sid, CallEventType.INTENT, at + 4.1, intent="council_tax_move", score=0.82)
    emit(records, sid, CallEventType.SAY, at + 5, text="What's your account number?",
         interrupted=True)
    emit(records, sid, CallEventType.TRANSCRIPT, at + 8, text="it's 12345678",
         confidence=0.8)
    emit(records, sid, CallEventType.SLOT, at + 8.1, name="account", value="12345678")
    emit(records, sid, CallEventType.VERIFIED, at + 9)
    emit(records, sid, CallEventType.TRANSFER, at + 10, team="council_tax",
         reason="moving home", summary="Council tax enquiry, account verified, moving home",
         verified=True, slots={"account": "12345678"})
    emit(records, sid, CallEventType.CALL_END, at + 11, outcome="transferred",
         reason="moving home")


def test_a_call_comes_back_as_the_api_json(records: CallRecords) -> None:
    council_tax_call(records)
    call = records.get_call("CA1")
    assert call is not None
    assert call["call_sid"] == "CA1"
    assert call["from"] == "+44 7*** ***123"
    assert call["to"] == "+441130000000"
    assert call["started_at"] == "2024-03-04T10:00:00.000+00:00"
    assert call["ended_at"] == "2024-03-04T10:00:11.000+00:00"
    assert call["outcome"] == "transferred"
    assert call["transfer_reason"] == "moving home"
    assert call["transfer"]["team"] == "council_tax"
    assert call["verified"] is True
    assert call["slots"] == {"account": "12345678"}
    assert [(t["who"], t["text"]) for t in call["turns"]] == [
        ("bot", "Hello, how can I help?"),
        ("caller", "I'm moving home"),
        ("bot", "What's your account number?"),
        ("caller", "it's 12345678"),
    ]
    moving, account = call["turns"][1], call["turns"][3]
    assert moving["intent"] == "council_tax_move" and moving["slots"] == {}
    assert account["intent"] is None and account["slots"] == {"account": "12345678"}
    assert call["turns"][2]["interrupted"] is True
    assert call["turns"][1]["at"] == "2024-03-04T10:00:04.000+00:00"
    assert records.get_call("nope") is None


def test_card_numbers_never_reach_the_database(database_url: str, clock: Clock) -> None:
    records = CallRecords(database_url, clock=clock)
    emit(records, "CA2", CallEventType.CALL_START, T0, **{"from": "+447700900999", "to": ""})
    emit(records, "CA2", CallEventType.TRANSCRIPT, T0 + 1, text=f"my card is {CARD} thanks")
    emit(records, "CA2", CallEventType.SLOT, T0 + 2, name="card", value=CARD.replace(" ", ""))
    for digit in "5500000000000004":
        emit(records, "CA2", CallEventType.DIGITS, T0 + 3, digit=digit)
    emit(records, "CA2", CallEventType.ERROR, T0 + 4, code="x", message=f"bad {CARD}")
    call = records.get_call("CA2")
    records.close()
    assert call is not None
    assert call["turns"][0]["text"].startswith("my card is [redacted number]")
    assert call["turns"][1]["text"] == "[keypad] [redacted number]"
    assert call["slots"] == {"card": "[redacted number]"}
    assert call["errors"][0]["message"] == "bad [redacted number]"
    stored = stored_bytes(database_url)
    assert b"my card is" in stored  # the check below can see what was stored
    for secret in (b"4111111111111111", b"4111 1111", b"5500000000000004", b"550000000"):
        assert secret not in stored


def test_short_keypad_entries_stay_readable(records: CallRecords) -> None:
    emit(records, "CA3", CallEventType.CALL_START, T0, **{"from": "", "to": ""})
    emit(records, "CA3", CallEventType.SAY, T0, text="Key your account number")
    for digit in "12345678":
        emit(records, "CA3", CallEventType.DIGITS, T0 + 1, digit=digit)
    emit(records, "CA3", CallEventType.SAY, T0 + 2, text="Thanks")
    emit(records, "CA3", CallEventType.DIGITS, T0 + 3, digit="1")
    call = records.get_call("CA3")
    assert call is not None
    assert [t["text"] for t in call["turns"]] == [
        "Key your account number", "[keypad] 12345678", "Thanks", "[keypad] 1"]


@pytest.mark.parametrize(("number", "masked"), [
    ("+447700900123", "+44 7*** ***123"),
    ("+44 7700 900123", "+44 7*** ***123"),
    ("07700900123", "07*** ***123"),
    ("+14155550100", "+14 *** ***100"),
    ("client:agent4242", "client:agent*242"),
    ("anonymous", "anonymous"),
    ("", ""),
])
def test_numbers_are_masked(number: str, masked: str) -> None:
    assert mask_number(number) == masked


def test_a_dropped_call_is_abandoned_unless_it_already_ended(records: CallRecords) -> None:
    records.call_ringing("CA4", "+447700900111", "+441130000000")
    emit(records, "CA4", CallEventType.CALL_START, T0, **{"from": "+447700900111", "to": ""})
    records.call_dropped("CA4", "socket closed without stop")
    council_tax_call(records, "CA5")
    records.call_dropped("CA5", "late drop")
    dropped, finished = records.get_call("CA4"), records.get_call("CA5")
    assert dropped is not None and finished is not None
    assert dropped["outcome"] == "abandoned"
    assert dropped["reason"] == "dropped: socket closed without stop"
    assert dropped["ended_at"] is not None
    assert finished["outcome"] == "transferred"


def test_the_record_starts_at_the_first_webhook(records: CallRecords, clock: Clock) -> None:
    records.call_ringing("CA6", "+447700900222", "+441130000000")
    call = records.get_call("CA6")
    assert call is not None and call["outcome"] is None and call["from"] == "+44 7*** ***222"
    records.call_status("CA6", "ringing")
    clock.at += 30
    records.call_status("CA6", "completed")  # hung up before the stream began
    call = records.get_call("CA6")
    assert call is not None
    assert (call["status"], call["outcome"], call["reason"]) == ("completed", "abandoned",
                                                                 "call completed")
    council_tax_call(records, "CA7")
    records.call_status("CA7", "completed")
    later = records.get_call("CA7")
    assert later is not None and later["outcome"] == "transferred"


def test_unknown_events_and_odd_values_are_tolerated(records: CallRecords) -> None:
    emit(records, "CA8", CallEventType.CALL_START, T0, **{"from": "+447700900333", "to": ""})
    records(CallEvent(cast(CallEventType, "sentiment"), "CA8", {"mood": object()}, T0 + 1))
    emit(records, "CA8", CallEventType.SLOT, T0 + 2, name="address",
         value={"line": "1 High Street", "uprn": 100})
    emit(records, "CA8", CallEventType.CALL_END, T0 + 3, outcome="exploded", reason="?")
    call = records.get_call("CA8")
    assert call is not None
    assert call["slots"] == {"address": {"line": "1 High Street", "uprn": 100}}
    assert call["outcome"] == "error"


def test_list_calls_newest_first(records: CallRecords) -> None:
    for index in range(5):
        emit(records, f"L{index}", CallEventType.CALL_START, T0 + index,
             **{"from": "+447700900444", "to": ""})
    listed = records.list_calls(limit=3)
    assert [c["call_sid"] for c in listed] == ["L4", "L3", "L2"]
    assert all("turns" not in c and c["from"] == "+44 7*** ***444" for c in listed)


def test_retention_deletes_old_calls_at_start_and_daily(database_url: str) -> None:
    clock = Clock()
    path = database_url
    records = CallRecords(path, retention_days=90, clock=clock)
    council_tax_call(records, "OLD", at=T0)
    records.close()
    clock.at = T0 + 60 * 86_400
    records = CallRecords(path, retention_days=90, clock=clock)
    council_tax_call(records, "NEWER", at=clock.at)
    assert records.get_call("OLD") is not None
    records.close()
    clock.at = T0 + 91 * 86_400
    records = CallRecords(path, retention_days=90, clock=clock)  # purge at start-up
    assert records.get_call("OLD") is None
    assert records.get_call("NEWER") is not None
    clock.at = T0 + 151 * 86_400  # a day later than the last purge: the writer purges again
    emit(records, "TODAY", CallEventType.CALL_START, clock.at, **{"from": "", "to": ""})
    assert records.get_call("NEWER") is None
    assert records.get_call("TODAY") is not None
    records.close()
    assert count(database_url, "turns") == count(database_url, "handoffs") == 0
    assert count(database_url, "events") == 1  # TODAY's


def test_figures_for_a_day(records: CallRecords, clock: Clock) -> None:
    council_tax_call(records, "F1")
    council_tax_call(records, "F2", at=T0 + 100)
    for sid, outcome in (("F3", "contained"), ("F4", "contained"), ("F5", "error")):
        emit(records, sid, CallEventType.CALL_START, T0 + 200, **{"from": "", "to": ""})
        emit(records, sid, CallEventType.CALL_END, T0 + 260, outcome=outcome, reason="done")
    records.call_ringing("F6", "+447700900555", "")
    records.call_dropped("F6", "dropped")
    emit(records, "YESTERDAY", CallEventType.CALL_START, T0 - 86_400, **{"from": "", "to": ""})
    queue = HandoffQueue(records)
    clock.at = T0 + 10 + 30  # F1 queued at T0+10, claimed 30 s later
    queue.claim("F1", "alice")
    figures = records.figures(date(2024, 3, 4))
    assert figures["calls"] == 6
    assert (figures["contained"], figures["transferred"], figures["abandoned"],
            figures["errors"]) == (2, 2, 1, 1)
    assert figures["transfer_reasons"] == [
        {"team": "council_tax", "reason": "moving home", "count": 2}]
    assert figures["average_wait_seconds"] == 30.0
    assert figures["answered_transfers"] == 1
    assert records.figures(date(2024, 3, 3))["calls"] == 1


def test_two_agents_claiming_at_once_one_wins(database_url: str, clock: Clock) -> None:
    """Two separate connections (as two workers would have) race for the same call."""
    path = database_url
    first, second = (CallRecords(path, clock=clock) for _ in range(2))
    council_tax_call(first, "RACE")
    first.flush()
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def claim(records: CallRecords, agent: str) -> None:
        barrier.wait()
        try:
            results[agent] = HandoffQueue(records).claim("RACE", agent)["claimed_by"]
        except ClaimError as err:
            results[agent] = err.message

    threads = [threading.Thread(target=claim, args=(r, a))
               for r, a in ((first, "alice"), (second, "bob"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winner = next(agent for agent, result in results.items() if result == agent)
    loser = "bob" if winner == "alice" else "alice"
    assert results[loser] == f"This call has already been taken by {winner}."
    with pytest.raises(ClaimError, match="belongs to"):
        HandoffQueue(second).close("RACE", loser, "resolved", "")
    closed = HandoffQueue(second).close("RACE", winner, "callback", f"card {CARD}")
    assert closed["state"] == "closed" and closed["note"] == "card [redacted number]"
    with pytest.raises(ClaimError, match="already been closed"):
        HandoffQueue(first).claim("RACE", loser)
    first.close()
    second.close()


def test_queue_shows_the_context_agents_need(records: CallRecords) -> None:
    council_tax_call(records, "Q1")
    emit(records, "Q2", CallEventType.CALL_START, T0, **{"from": "+447700900666", "to": ""})
    emit(records, "Q2", CallEventType.TRANSFER, T0 + 5, team="bins", reason="missed bin",
         summary="Bins enquiry, not verified", verified=False, slots={})
    entries = {e["call_sid"]: e for e in HandoffQueue(records).waiting(since=T0 - 1)}
    assert entries["Q1"]["caller"] == "+447700900123"  # verified: shown in full
    assert entries["Q2"]["caller"] == "+44 7*** ***666"
    assert entries["Q1"]["summary"] == "Council tax enquiry, account verified, moving home"
    assert entries["Q1"]["slots"] == {"account": "12345678"}
    assert entries["Q1"]["transcript"][1]["text"] == "I'm moving home"
    assert entries["Q2"]["state"] == "waiting"
    records.call_status("Q2", "completed")
    left = HandoffQueue(records).get("Q2")
    assert left is not None and left["state"] == "caller-left"


def test_the_language_chosen_is_kept_with_the_call_and_its_handoff(
        records: CallRecords) -> None:
    records(CallEvent(CallEventType.CALL_START, "CA0", {"from": "+447700900123"}))
    records(CallEvent(CallEventType.CALL_START, "CY1", {"from": "+447700900123"}))
    records(CallEvent(CallEventType.LANGUAGE, "CY1", {"language": "cy"}))
    records(CallEvent(CallEventType.TRANSFER, "CY1", {
        "team": "general", "reason": "caller chose Welsh", "summary": "s"}))
    assert cast(dict[str, Any], records.get_call("CY1"))["language"] == "cy"
    assert cast(dict[str, Any], records.get_call("CA0"))["language"] == "en"
    queued = HandoffQueue(records).get("CY1")
    assert queued is not None and queued["language"] == "cy"
