"""Call backs and messages on both engines (a real SQLite file, a real PostgreSQL): booked by
call events, claimed by one agent of two, done, not reached, rescheduled, noted, and never
lost: they survive a restart and retention until someone closes them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.voicebot.test_records import Clock, count
from voicebot.events import CallEvent, CallEventType
from voicebot.records import CallRecords, ClaimError, FollowUps, HandoffQueue

T0 = datetime(2026, 11, 28, 11, 0, tzinfo=UTC).timestamp()  # a Saturday
MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MONDAY_12 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def records(database_url: str, clock: Clock) -> Iterator[CallRecords]:
    store = CallRecords(database_url, retention_days=90, clock=clock)
    yield store
    store.close()


def emit(records: CallRecords, sid: str, kind: CallEventType, at: float, **data: Any) -> None:
    records(CallEvent(kind, sid, data, at))


def book(records: CallRecords, sid: str, at: float = T0, team: str = "council_tax",
         reason: str = "I want to set up a payment plan") -> None:
    """A call that ended with a call back booked, as the dialogue and the session report it."""
    emit(records, sid, CallEventType.CALL_START, at, **{"from": "+447700900123", "to": ""})
    emit(records, sid, CallEventType.SAY, at + 1, text="Hello, how can I help?")
    emit(records, sid, CallEventType.TRANSCRIPT, at + 2, text="put me through to someone",
         confidence=0.9)
    emit(records, sid, CallEventType.CALLBACK, at + 30, team=team, language="en",
         number="07700900123", window_start=MONDAY_9.timestamp(),
         window_end=MONDAY_12.timestamp(), window="on Monday between 9am and midday",
         reason=reason, why="caller asked for an agent",
         summary="Council tax enquiry, not verified, caller asked to speak to someone")
    emit(records, sid, CallEventType.CALL_END, at + 31, outcome="callback",
         reason="callback-booked")


def test_a_booked_call_back_waits_in_the_queue_with_the_conversation(
        records: CallRecords, clock: Clock) -> None:
    book(records, "CB1", reason="my card is 4111 1111 1111 1111")
    # A write replayed after an outage (the spool) is not a second call back.
    emit(records, "CB1", CallEventType.CALLBACK, T0 + 60, team="bins", number="07700900999",
         window_start=MONDAY_9.timestamp(), window_end=MONDAY_12.timestamp())
    queue = FollowUps(records)
    [entry] = queue.callbacks()
    assert (entry["team"], entry["number"], entry["state"], entry["attempts"]) == (
        "council_tax", "07700900123", "waiting", 0)
    assert entry["window_start"] == MONDAY_9.timestamp()
    assert entry["reason"] == "my card is [redacted number]"
    assert entry["caller"] == "+44 7*** ***123"
    assert (entry["due"], entry["overdue"]) == (False, False)
    detail = queue.callback(entry["id"])
    assert detail is not None
    assert [t["text"] for t in detail["transcript"]] == [
        "Hello, how can I help?", "put me through to someone"]
    assert records.get_call("CB1")["outcome"] == "callback"  # type: ignore[index]
    clock.at = MONDAY_9.timestamp()
    assert queue.callbacks()[0]["due"] and not queue.callbacks()[0]["overdue"]
    clock.at = MONDAY_12.timestamp() + 1
    assert queue.callbacks()[0]["overdue"]
    assert queue.callbacks(team="bins") == []


def test_two_agents_claim_one_call_back_and_one_wins(database_url: str, clock: Clock) -> None:
    first, second = (CallRecords(database_url, clock=clock) for _ in range(2))
    book(first, "RACE")
    first.flush()
    ident = FollowUps(first).callbacks()[0]["id"]
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def claim(records: CallRecords, agent: str) -> None:
        barrier.wait()
        try:
            results[agent] = FollowUps(records).claim(ident, agent)["claimed_by"]
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
    assert results[loser] == f"This call back has already been taken by {winner}."
    with pytest.raises(ClaimError, match="taken by"):
        FollowUps(second).done(ident, loser)
    done = FollowUps(second).done(ident, winner, "Set up a plan over the phone")
    assert (done["state"], done["closed_by"]) == ("done", winner)
    assert done["notes"][0]["text"] == "Set up a plan over the phone"
    assert FollowUps(first).callbacks() == []
    with pytest.raises(ClaimError, match="already been closed"):
        FollowUps(first).claim(ident, loser)
    first.close()
    second.close()


def test_not_reached_goes_back_in_the_queue_until_an_agent_gives_up(
        records: CallRecords, clock: Clock) -> None:
    book(records, "NR")
    queue = FollowUps(records)
    ident = queue.callbacks()[0]["id"]
    queue.claim(ident, "alice")
    again = queue.not_reached(ident, "alice", "No answer, left a voicemail")
    assert (again["state"], again["claimed_by"], again["attempts"]) == ("waiting", None, 1)
    queue.note(ident, "bob", "Caller rang in: try after 11")
    moved = queue.reschedule(ident, "bob", MONDAY_12.timestamp(), MONDAY_12.timestamp() + 7200)
    assert moved["window_start"] == MONDAY_12.timestamp() and moved["state"] == "waiting"
    queue.claim(ident, "bob")
    with pytest.raises(ClaimError, match="already been taken by bob"):
        queue.reschedule(ident, "alice", T0, T0 + 60)
    with pytest.raises(ValueError, match="end after"):
        queue.reschedule(ident, "bob", T0 + 60, T0)
    closed = queue.not_reached(ident, "bob", "Three tries, no answer", give_up=True)
    assert (closed["state"], closed["attempts"]) == ("not-reached", 2)
    assert [n["by"] for n in closed["notes"]] == ["alice", "bob", "bob"]
    assert queue.callbacks() == [] and len(queue.callbacks("closed")) == 1


def test_messages_wait_for_a_team_and_are_closed_once(records: CallRecords) -> None:
    emit(records, "MSG", CallEventType.CALL_START, T0, **{"from": "+447700900777", "to": ""})
    emit(records, "MSG", CallEventType.MESSAGE, T0 + 40, team="council_tax", language="en",
         text="This is Jane, I paid twice, card 4111 1111 1111 1111", why="caller asked",
         summary="Council tax enquiry", reads="when they open again on Monday at 9am")
    emit(records, "MSG", CallEventType.CALL_END, T0 + 41, outcome="message",
         reason="message-left")
    queue = FollowUps(records)
    [message] = queue.messages()
    assert message["text"] == "This is Jane, I paid twice, card [redacted number]"
    assert message["team"] == "council_tax" and message["caller"] == "+44 7*** ***777"
    closed = queue.close_message(message["id"], "alice", "Refund requested")
    assert closed["closed_by"] == "alice" and queue.messages() == []
    with pytest.raises(ClaimError, match="already dealt with by alice"):
        queue.close_message(message["id"], "bob")


def test_open_call_backs_survive_a_restart_and_retention_until_closed(
        database_url: str) -> None:
    clock = Clock(T0)
    records = CallRecords(database_url, retention_days=30, clock=clock)
    book(records, "KEEP")
    book(records, "DONE")
    queue = FollowUps(records)
    done = next(e["id"] for e in queue.callbacks() if e["call_sid"] == "DONE")
    queue.claim(done, "alice")
    queue.done(done, "alice")
    records.close()
    clock.at = T0 + 31 * 86_400
    records = CallRecords(database_url, retention_days=30, clock=clock)  # purges at start-up
    queue = FollowUps(records)
    [kept] = queue.callbacks()
    assert kept["call_sid"] == "KEEP" and queue.callback(kept["id"])["transcript"]  # type: ignore[index]
    assert records.get_call("DONE") is None and queue.callbacks("closed") == []
    queue.claim(kept["id"], "bob")
    queue.done(kept["id"], "bob")
    records.purge()
    assert records.get_call("KEEP") is None
    records.close()
    assert count(database_url, "callbacks") == count(database_url, "turns") == 0


def test_an_emergency_transfer_is_marked_for_agents_and_waits_are_counted(
        records: CallRecords) -> None:
    emit(records, "EM", CallEventType.CALL_START, T0, **{"from": "", "to": ""})
    emit(records, "EM", CallEventType.TRANSFER, T0 + 5, team="housing",
         reason="emergency: nowhere to stay tonight", summary="Emergency", verified=False,
         slots={}, emergency=True)
    emit(records, "EM2", CallEventType.CALL_START, T0, **{"from": "", "to": ""})
    emit(records, "EM2", CallEventType.TRANSFER, T0 + 6, team="housing", reason="r",
         summary="s", verified=False, slots={})
    queue = HandoffQueue(records)
    assert queue.get("EM")["emergency"] is True  # type: ignore[index]
    assert queue.get("EM2")["emergency"] is False  # type: ignore[index]
    assert queue.waiting_by_team(T0 - 60) == {"housing": 2}
    queue.claim("EM", "alice")
    assert queue.waiting_by_team(T0 - 60) == {"housing": 1}
