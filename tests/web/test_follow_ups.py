"""The desktop's call-back queue, messages and out-of-hours figures over HTTP (each engine)."""

from __future__ import annotations

import csv
import io
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from tests.web.conftest import Service, log_in
from tests.web.test_desktop import browser
from voicebot.events import CallEvent, CallEventType, EventSink

HOUR = 3600.0


def book_callback(events: EventSink, sid: str, *, team: str = "council_tax",
                  starts_in: float = HOUR, number: str = "07700900123",
                  reason: str = "I want to set up a payment plan") -> None:
    """A call that ended with a call back booked, as the dialogue and the session report it."""
    start = time.time() + starts_in
    events(CallEvent(CallEventType.CALL_START, sid, {"from": "+447700900123", "to": ""}))
    events(CallEvent(CallEventType.SAY, sid, {"text": "Hello, how can I help?"}))
    events(CallEvent(CallEventType.TRANSCRIPT, sid, {"text": "put me through to someone",
                                                     "confidence": 0.9}))
    events(CallEvent(CallEventType.CALLBACK, sid, {
        "team": team, "language": "en", "number": number, "window_start": start,
        "window_end": start + 3 * HOUR, "reason": reason, "why": "caller asked for an agent",
        "summary": "Council tax enquiry, not verified, caller asked to speak to someone"}))
    events(CallEvent(CallEventType.CALL_END, sid, {"outcome": "callback",
                                                   "reason": "callback-booked"}))


async def test_agents_work_the_call_back_queue(service: Service) -> None:
    book_callback(service.events, "CB1", starts_in=-HOUR)  # due: its window opened an hour ago
    book_callback(service.events, "CB2", team="bins", starts_in=-5 * HOUR)  # overdue
    async with browser(service) as alice, browser(service, "192.0.2.11") as bob:
        await log_in(alice, "alice")
        await log_in(bob, "bob")
        listed = (await alice.get("/desktop/api/callbacks")).json()["callbacks"]
        assert [(c["call_sid"], c["due"], c["overdue"]) for c in listed] == [
            ("CB2", True, True), ("CB1", True, False)]
        only = (await alice.get("/desktop/api/callbacks", params={"team": "council_tax"})).json()
        assert [c["call_sid"] for c in only["callbacks"]] == ["CB1"]
        ident = only["callbacks"][0]["id"]
        detail = (await bob.get(f"/desktop/api/callbacks/{ident}")).json()["callback"]
        assert [t["text"] for t in detail["transcript"]] == [
            "Hello, how can I help?", "put me through to someone"]

        claimed = await alice.post(f"/desktop/api/callbacks/{ident}/claim")
        assert claimed.status_code == 200 and claimed.json()["callback"]["claimed_by"] == "alice"
        refused = await bob.post(f"/desktop/api/callbacks/{ident}/claim")
        assert refused.status_code == 409
        assert refused.json()["detail"] == "This call back has already been taken by alice."
        assert (await bob.post(f"/desktop/api/callbacks/{ident}/done", json={})).status_code == 409
        noted = await bob.post(f"/desktop/api/callbacks/{ident}/note",
                               json={"note": "She rang again: prefers afternoons"})
        assert noted.json()["callback"]["notes"][0]["by"] == "bob"
        again = await alice.post(f"/desktop/api/callbacks/{ident}/not-reached",
                                 json={"note": "No answer"})
        assert (again.json()["callback"]["state"], again.json()["callback"]["attempts"]) == (
            "waiting", 1)
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
        moved = await bob.post(f"/desktop/api/callbacks/{ident}/reschedule", json={
            "start": tomorrow.isoformat(), "end": (tomorrow + timedelta(hours=2)).isoformat()})
        assert moved.json()["callback"]["window_start"] == tomorrow.timestamp()
        backwards = await bob.post(f"/desktop/api/callbacks/{ident}/reschedule", json={
            "start": tomorrow.isoformat(), "end": tomorrow.isoformat()})
        assert backwards.status_code == 422
        await bob.post(f"/desktop/api/callbacks/{ident}/claim")
        done = await bob.post(f"/desktop/api/callbacks/{ident}/done", json={"note": "Sorted"})
        assert done.json()["callback"]["state"] == "done"
        left = (await alice.get("/desktop/api/callbacks")).json()["callbacks"]
        assert [c["call_sid"] for c in left] == ["CB2"]
        closed = (await alice.get("/desktop/api/callbacks", params={"shown": "closed"})).json()
        assert [c["call_sid"] for c in closed["callbacks"]] == ["CB1"]
        forged = await alice.post(f"/desktop/api/callbacks/{left[0]['id']}/claim",
                                  headers={"X-CSRF-Token": "forged"})
        assert forged.status_code == 403


async def test_messages_are_read_and_dealt_with_once(service: Service) -> None:
    service.events(CallEvent(CallEventType.CALL_START, "M1", {"from": "+447700900777"}))
    service.events(CallEvent(CallEventType.MESSAGE, "M1", {
        "team": "council_tax", "text": "This is Jane, I paid twice", "why": "caller asked",
        "summary": "Council tax enquiry"}))
    async with browser(service) as alice, browser(service, "192.0.2.11") as bob:
        await log_in(alice, "alice")
        await log_in(bob, "bob")
        [message] = (await alice.get("/desktop/api/messages")).json()["messages"]
        assert message["text"] == "This is Jane, I paid twice"
        ok = await alice.post(f"/desktop/api/messages/{message['id']}/close",
                              json={"note": "Refunded"})
        assert ok.status_code == 200 and ok.json()["message"]["closed_by"] == "alice"
        late = await bob.post(f"/desktop/api/messages/{message['id']}/close", json={})
        assert late.status_code == 409 and "already dealt with by alice" in late.json()["detail"]
        assert (await bob.get("/desktop/api/messages")).json()["messages"] == []


async def test_supervisors_get_the_out_of_hours_figures_for_any_range(service: Service) -> None:
    book_callback(service.events, "F1", starts_in=-5 * HOUR)  # overdue
    book_callback(service.events, "F2")
    service.events(CallEvent(CallEventType.CALL_START, "F3", {"from": ""}))
    service.events(CallEvent(CallEventType.TRANSFER, "F3", {
        "team": "housing", "reason": "emergency: nowhere to stay tonight", "summary": "s",
        "verified": False, "slots": {}, "emergency": True}))
    today = datetime.now(UTC).date().isoformat()
    async with browser(service) as sue, browser(service, "192.0.2.11") as alice:
        await log_in(sue, "sue")
        await log_in(alice, "alice")
        assert (await alice.get("/desktop/api/figures/after-hours")).status_code == 403
        figures = (await sue.get("/desktop/api/figures/after-hours",
                                 params={"from": today, "to": today})).json()
        assert (figures["callbacks_requested"], figures["callbacks_overdue"],
                figures["emergency_transfers"], figures["calls"]) == (2, 1, 1, 3)
        assert sum(h["calls"] for h in figures["calls_by_hour"]) == 3
        assert sum(d["calls"] for d in figures["calls_by_weekday"]) == 3
        assert figures["overdue"][0]["call_sid"] == "F1"
        exported = await sue.get("/desktop/api/figures/after-hours",
                                 params={"from": today, "to": today, "format": "csv"})
        assert exported.headers["content-type"].startswith("text/csv")
        assert "attachment" in exported.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(exported.text)))
        assert rows[0] == ["figure", "detail", "value"]
        assert ["callbacks_requested", "", "2"] in rows and ["emergency_transfers", "", "1"] in rows
        assert len([r for r in rows if r[0] == "calls_by_hour"]) == 24
        chart = await sue.get("/desktop/api/figures/calls-by-hour.svg",
                              params={"from": today, "to": today})
        svg = ET.fromstring(chart.text)
        assert chart.headers["content-type"] == "image/svg+xml"
        bars = svg.findall("{http://www.w3.org/2000/svg}rect")
        assert len(bars) == 24 and sum(1 for b in bars if float(b.get("height", 0)) > 0) >= 1
        bad = await sue.get("/desktop/api/figures/after-hours",
                            params={"from": today, "to": "2000-01-01"})
        assert bad.status_code == 422
        page = await sue.get("/desktop/supervisor")
        assert 'id="after-hours"' in page.text and "after_hours.js" in page.text
        queue_page = await alice.get("/desktop/callbacks")
        assert queue_page.status_code == 200 and "callbacks.js" in queue_page.text
