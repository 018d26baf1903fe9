"""The figures a council reports under the GOV.UK Service Standard, from its calls.

Pure arithmetic over one row per call (``CallRow``), so that the same numbers come out whichever
database the rows were read from, and a test can check them exactly. Each figure carries the
arithmetic that made it, in words, so a reader can check it by hand.

* **completion**: of the calls in which the bot understood a request (the call's first service
  intent), the share it finished itself (contained); per intent and overall.
* **satisfaction**: the mean answer to the post-call question (1 to 5), and how many of the
  callers asked gave one.
* **cost per transaction**: (minutes on the line x cost per minute + transfers x agent cost per
  transfer) / transactions, a transaction being a call finished by the bot or by an agent.
* **take-up**: calls the bot handled end to end, out of all calls reaching the line.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any


@dataclass(frozen=True)
class CallRow:
    """What the figures need of one call."""

    started_at: float
    ended_at: float | None
    outcome: str | None
    """contained | transferred | abandoned | error, or None while the call is going on."""
    intent: str | None = None
    """The first service intent understood in the call (None: no request understood)."""
    team: str | None = None
    transfer_reason: str | None = None
    satisfaction_asked: bool = False
    satisfaction: int | None = None


@dataclass(frozen=True)
class Costs:
    per_minute: float
    per_transfer: float
    currency: str = "£"

    def money(self, amount: float) -> str:
        return f"{self.currency}{amount:,.2f}"


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def completion(calls: list[CallRow], service_of: Callable[[str], str]) -> dict[str, Any]:
    with_request = [c for c in calls if c.intent]
    contained = sum(c.outcome == "contained" for c in with_request)
    rate = _share(contained, len(with_request))
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for call in with_request:
        per[str(call.intent)]["calls"] += 1
        per[str(call.intent)]["contained"] += call.outcome == "contained"
    by_intent = [{"intent": intent, "service": service_of(intent), "calls": n["calls"],
                  "contained": n["contained"], "rate": _share(n["contained"], n["calls"])}
                 for intent, n in sorted(per.items(), key=lambda kv: (-kv[1]["calls"], kv[0]))]
    return {"rate": rate, "completed": contained, "started": len(with_request),
            "no_request": len(calls) - len(with_request), "by_intent": by_intent,
            "arithmetic": f"{contained} finished by the bot / {len(with_request)} calls with a "
                          f"request understood = {_percent(rate)}"}


def satisfaction(calls: list[CallRow]) -> dict[str, Any]:
    asked = sum(c.satisfaction_asked for c in calls)
    scores = [c.satisfaction for c in calls if c.satisfaction is not None]
    mean = round(sum(scores) / len(scores), 2) if scores else None
    rate = _share(len(scores), asked)
    spread = Counter(scores)
    shown = "-" if mean is None else f"{mean:.2f} out of 5"
    return {"mean": mean, "responses": len(scores), "asked": asked, "response_rate": rate,
            "scores": {str(score): spread[score] for score in range(1, 6)},
            "arithmetic": f"{sum(scores)} points / {len(scores)} answers = {shown}; "
                          f"{len(scores)} answers / {asked} asked = {_percent(rate)}"}


def cost_per_transaction(calls: list[CallRow], costs: Costs) -> dict[str, Any]:
    minutes = round(sum(c.ended_at - c.started_at for c in calls
                        if c.ended_at is not None) / 60, 1)
    transfers = sum(c.outcome == "transferred" for c in calls)
    transactions = sum(c.outcome in ("contained", "transferred") for c in calls)
    total = round(minutes * costs.per_minute + transfers * costs.per_transfer, 2)
    value = round(total / transactions, 2) if transactions else None
    shown = "-" if value is None else costs.money(value)
    return {"value": value, "total": total, "minutes": minutes, "per_minute": costs.per_minute,
            "transfers": transfers, "per_transfer": costs.per_transfer,
            "transactions": transactions, "currency": costs.currency,
            "arithmetic": f"({minutes:g} min x {costs.money(costs.per_minute)} + {transfers} "
                          f"transfers x {costs.money(costs.per_transfer)}) / {transactions} "
                          f"transactions = {costs.money(total)} / {transactions} = {shown}"}


def take_up(calls: list[CallRow]) -> dict[str, Any]:
    handled = sum(c.outcome == "contained" for c in calls)
    rate = _share(handled, len(calls))
    return {"rate": rate, "handled": handled, "calls": len(calls),
            "arithmetic": f"{handled} handled by the bot end to end / {len(calls)} calls "
                          f"reaching the line = {_percent(rate)}"}


def containment_by_service(calls: list[CallRow], service_of: Callable[[str], str]
                           ) -> list[dict[str, Any]]:
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for call in calls:
        service = service_of(call.intent) if call.intent else "no request understood"
        per[service]["calls"] += 1
        per[service]["contained"] += call.outcome == "contained"
    return [{"service": service, "calls": n["calls"], "contained": n["contained"],
             "rate": _share(n["contained"], n["calls"])}
            for service, n in sorted(per.items(), key=lambda kv: (-kv[1]["calls"], kv[0]))]


def transfers_by_reason(calls: list[CallRow]) -> list[dict[str, Any]]:
    counts = Counter((c.team or "", c.transfer_reason or "") for c in calls
                     if c.outcome == "transferred")
    return [{"team": team, "reason": reason, "count": n}
            for (team, reason), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def calls_by_hour(calls: list[CallRow], zone: tzinfo) -> list[dict[str, Any]]:
    """Calls started in each hour of the day, on the council's wall clock."""
    hours = [0] * 24
    for call in calls:
        hours[datetime.fromtimestamp(call.started_at, zone).hour] += 1
    return [{"hour": f"{hour:02d}:00", "calls": n} for hour, n in enumerate(hours)]


def report(rows: Iterable[CallRow], *, first: date, last: date, zone: tzinfo, costs: Costs,
           service_of: Callable[[str], str]) -> dict[str, Any]:
    """Every figure for the calls started from ``first`` to ``last`` (both included)."""
    calls = list(rows)
    outcomes = Counter(c.outcome or "in-progress" for c in calls)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "calls": len(calls),
        "contained": outcomes["contained"],
        "transferred": outcomes["transferred"],
        "abandoned": outcomes["abandoned"],
        "errors": outcomes["error"],
        "in_progress": outcomes["in-progress"],
        "kpis": {
            "completion": completion(calls, service_of),
            "satisfaction": satisfaction(calls),
            "cost_per_transaction": cost_per_transaction(calls, costs),
            "take_up": take_up(calls),
        },
        "containment_by_service": containment_by_service(calls, service_of),
        "transfers_by_reason": transfers_by_reason(calls),
        "calls_by_hour": calls_by_hour(calls, zone),
    }
