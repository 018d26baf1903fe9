"""The four GOV.UK figures and the operational ones, worked out by hand for a fixed set of calls."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from voicebot.reporting.export import csv_text
from voicebot.reporting.kpi import CallRow, Costs, report

LONDON = ZoneInfo("Europe/London")
SERVICES = {"bin_day": "bins", "missed_bin": "bins", "council_tax_balance": "council_tax"}


def at(hour: int, minute: int = 0) -> float:
    """A time on 1 July 2026 (British Summer Time: the wall clock is UTC + 1)."""
    return datetime(2026, 7, 1, hour - 1, minute, tzinfo=UTC).timestamp()


CALLS = [
    # contained, 3 minutes, answered 5 of 5
    CallRow(at(9), at(9, 3), "contained", "bin_day", satisfaction_asked=True, satisfaction=5),
    # contained, 2 minutes, answered 3; asked but skipped is the next one
    CallRow(at(9, 30), at(9, 32), "contained", "missed_bin", satisfaction_asked=True,
            satisfaction=3),
    CallRow(at(10), at(10, 1), "contained", "bin_day", satisfaction_asked=True),
    # transferred: 4 minutes and 6 minutes
    CallRow(at(10, 15), at(10, 19), "transferred", "council_tax_balance", "council_tax",
            "caller asked for a person"),
    CallRow(at(14), at(14, 6), "transferred", "bin_day", "bins", "no collection schedule"),
    # abandoned after 1 minute, no request understood; an error with a request; one in progress
    CallRow(at(14, 30), at(14, 31), "abandoned"),
    CallRow(at(23, 10), at(23, 12), "error", "council_tax_balance"),
    CallRow(at(23, 50), None, None),
]


def figures() -> dict[str, object]:
    return report(CALLS, first=date(2026, 7, 1), last=date(2026, 7, 1), zone=LONDON,
                  costs=Costs(per_minute=0.05, per_transfer=4.0), service_of=SERVICES.__getitem__)


def test_the_four_figures_are_exactly_as_worked_by_hand() -> None:
    kpis = figures()["kpis"]
    assert isinstance(kpis, dict)
    # 6 calls understood a request (bin_day x3, missed_bin, council_tax_balance x2); 3 contained.
    assert kpis["completion"]["arithmetic"] == \
        "3 finished by the bot / 6 calls with a request understood = 50.0%"
    assert (kpis["completion"]["rate"], kpis["completion"]["no_request"]) == (0.5, 2)
    assert kpis["completion"]["by_intent"] == [
        {"intent": "bin_day", "service": "bins", "calls": 3, "contained": 2, "rate": 0.6667},
        {"intent": "council_tax_balance", "service": "council_tax", "calls": 2, "contained": 0,
         "rate": 0.0},
        {"intent": "missed_bin", "service": "bins", "calls": 1, "contained": 1, "rate": 1.0},
    ]
    # (5 + 3) / 2 answers; 2 answers of 3 asked.
    assert kpis["satisfaction"]["mean"] == 4.0
    assert kpis["satisfaction"]["response_rate"] == 0.6667
    assert kpis["satisfaction"]["scores"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}
    # 3+2+1+4+6+1+2 = 19 minutes x 0.05 = 0.95, + 2 transfers x 4.00 = 8.95 over 5 transactions.
    cost = kpis["cost_per_transaction"]
    assert (cost["minutes"], cost["total"], cost["transactions"], cost["value"]) == \
        (19.0, 8.95, 5, 1.79)
    assert cost["arithmetic"] == ("(19 min x £0.05 + 2 transfers x £4.00) / 5 transactions "
                                  "= £8.95 / 5 = £1.79")
    # 3 contained of 8 calls reaching the line.
    assert kpis["take_up"]["arithmetic"] == \
        "3 handled by the bot end to end / 8 calls reaching the line = 37.5%"


def test_containment_transfers_and_hours() -> None:
    got = figures()
    assert got["containment_by_service"] == [
        {"service": "bins", "calls": 4, "contained": 3, "rate": 0.75},
        {"service": "council_tax", "calls": 2, "contained": 0, "rate": 0.0},
        {"service": "no request understood", "calls": 2, "contained": 0, "rate": 0.0},
    ]
    assert got["transfers_by_reason"] == [
        {"team": "bins", "reason": "no collection schedule", "count": 1},
        {"team": "council_tax", "reason": "caller asked for a person", "count": 1},
    ]
    hours = {row["hour"]: row["calls"] for row in got["calls_by_hour"]}  # type: ignore[union-attr]
    assert hours == {**{f"{h:02d}:00": 0 for h in range(24)},
                     "09:00": 2, "10:00": 2, "14:00": 2, "23:00": 2}
    assert (got["calls"], got["contained"], got["transferred"], got["abandoned"],
            got["errors"], got["in_progress"]) == (8, 3, 2, 1, 1, 1)


def test_no_calls_gives_no_rates_rather_than_a_division_by_zero() -> None:
    empty = report([], first=date(2026, 7, 1), last=date(2026, 7, 2), zone=LONDON,
                   costs=Costs(0.05, 4.0), service_of=str)
    kpis = empty["kpis"]
    assert kpis["completion"]["rate"] is None and kpis["satisfaction"]["mean"] is None
    assert kpis["cost_per_transaction"]["value"] is None and kpis["take_up"]["rate"] is None
    assert kpis["take_up"]["arithmetic"] == \
        "0 handled by the bot end to end / 0 calls reaching the line = -"


def test_the_csv_has_one_row_per_number() -> None:
    lines = csv_text(figures()).splitlines()
    assert lines[0] == "section,item,measure,value"
    assert "summary,,calls,8" in lines
    assert "kpis.completion.by_intent,bin_day / bins,rate,0.6667" in lines
    assert "transfers_by_reason,bins / no collection schedule,count,1" in lines
    assert "calls_by_hour,09:00,calls,2" in lines
    assert "kpis.cost_per_transaction,,value,1.79" in lines
