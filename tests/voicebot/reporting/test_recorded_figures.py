"""The figures from calls as the records keep them, on both engines: the same fixed calls as
``test_kpi``, written as call events, give exactly the figures worked out by hand there."""

from __future__ import annotations

from datetime import date

from tests.voicebot.reporting.test_kpi import CALLS, LONDON, SERVICES, figures
from voicebot.config import CostSettings
from voicebot.events import CallEvent, CallEventType
from voicebot.records import CallRecords
from voicebot.reporting.figures import service_figures
from voicebot.reporting.kpi import CallRow


def record(records: CallRecords, sid: str, call: CallRow) -> None:
    def event(kind: CallEventType, at: float, **data: object) -> None:
        records(CallEvent(kind, sid, dict(data), at))

    start = call.started_at
    event(CallEventType.CALL_START, start, **{"from": "+447700900123", "to": "+441130000000"})
    if call.intent:
        event(CallEventType.TRANSCRIPT, start + 5, text="something", confidence=0.9)
        event(CallEventType.INTENT, start + 5, intent="menu", score=0.9)  # not a service
        event(CallEventType.INTENT, start + 6, intent=call.intent, score=0.8)
        event(CallEventType.INTENT, start + 7, intent="missed_bin", score=0.8)  # a later one
    if call.team:
        event(CallEventType.TRANSFER, start + 8, team=call.team, reason=call.transfer_reason,
              summary="", verified=False, slots={})
    if call.satisfaction_asked:  # as the survey writes it: the asking, then any answer
        event(CallEventType.SATISFACTION, start + 9, asked=True, score=None)
        if call.satisfaction is not None:
            event(CallEventType.SATISFACTION, start + 9.5, asked=True, score=call.satisfaction)
    if call.ended_at is not None:
        event(CallEventType.CALL_END, call.ended_at, outcome=call.outcome, reason="")


def test_recorded_calls_give_the_figures_worked_out_by_hand(database_url: str) -> None:
    records = CallRecords(database_url)
    try:
        for index, call in enumerate(CALLS):
            record(records, f"CA{index:032d}", call)
        records.flush()
        found = service_figures(records, date(2026, 7, 1), date(2026, 7, 1), LONDON,
                                CostSettings(per_minute=0.05, per_transfer=4.0),
                                SERVICES.__getitem__)
        before = service_figures(records, date(2026, 6, 30), date(2026, 6, 30), LONDON,
                                 CostSettings(), SERVICES.__getitem__)
    finally:
        records.close()
    assert found == figures()
    assert before["calls"] == 0 and before["kpis"]["take_up"]["rate"] is None
