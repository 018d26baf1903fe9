"""The GOV.UK figures for a range of days, as the API and the supervisor's page serve them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from voicebot.config import CostSettings
from voicebot.records import CallRecords
from voicebot.reporting.kpi import Costs, report
from voicebot.reporting.rows import call_rows

ServiceOf = Callable[[str], str]
DEFAULT_DAYS = 7


def service_figures(records: CallRecords, first: date | None, last: date | None, zone: tzinfo,
                    costs: CostSettings, service_of: ServiceOf) -> dict[str, Any]:
    """Every figure for the days ``first`` to ``last`` (default: the last week to today);
    blocking, so call it in a thread. A range that cannot be read raises ``ValueError``."""
    last = last or datetime.fromtimestamp(records.now(), zone).date()
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    rows = call_rows(records, first, last, zone)
    return report(rows, first=first, last=last, zone=zone,
                  costs=Costs(costs.per_minute, costs.per_transfer, costs.currency),
                  service_of=service_of)
