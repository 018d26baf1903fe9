"""The line a conversation test runs on, when it sets a clock: real hours, a stopped clock.

A test that says ``clock: 2026-11-29 02:00`` (the council's local time) is answered by a real
``Handoff`` whose teams are those main.yaml names, each open ``Mon-Fri 09:00-17:00`` with the
England and Wales bank holidays, and with an emergency line open ``always`` for every team a
flow sends emergencies to. A test can change that under ``line:``::

    line:
      hours: {bins: "Mon-Sat 08:00-18:00"}     # a team's own hours
      emergency_hours: {housing: never}         # its emergency line's
      region: scotland                          # whose bank holidays
      closures: [{date: 2026-12-29, to: 2026-12-31, name: the Christmas break}]
      waiting: {council_tax: 12}                # callers waiting, with offer_when_waiting
      offer_when_waiting: 5
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from voicebot.config import Settings
from voicebot.flows.registry import FlowSet
from voicebot.flows.schema import TransferStep
from voicebot.handoff.transfer import Handoff

TEST_HOURS = "Mon-Fri 09:00-17:00"
TEST_ZONE = "Europe/London"


def rehearsal(case: Mapping[str, Any], flows: FlowSet) -> Handoff:
    """A ``Handoff`` for one test: its ``clock`` and ``line``, the flows' teams."""
    line: Mapping[str, Any] = case.get("line") or {}
    hours, emergency_hours = line.get("hours") or {}, line.get("emergency_hours") or {}
    emergencies = {step.transfer for flow in flows.flows.values() for step in flow.steps
                   if isinstance(step, TransferStep) and step.emergency}
    targets: dict[str, Any] = {}
    for team in {"general", *flows.main.teams}:
        targets[team] = {"kind": "queue", "address": team, "hours": hours.get(team, TEST_HOURS)}
        if team in emergencies:
            targets[team]["emergency"] = {"kind": "queue", "address": f"{team}-emergency",
                                          "hours": emergency_hours.get(team, "always")}
    settings = Settings.model_validate({
        "transfer_targets": targets, "timezone": TEST_ZONE,
        "bank_holidays": line.get("region", "england-and-wales"),
        "closure_days": line.get("closures") or [],
        "callbacks": {"offer_when_waiting": line.get("offer_when_waiting")}})
    stopped = clock_of(case)
    waiting: Mapping[str, int] = line.get("waiting") or {}
    return Handoff(settings, now=lambda: stopped, waiting=lambda team: waiting.get(team, 0))


def clock_of(case: Mapping[str, Any]) -> datetime:
    """The test's ``clock`` (``2026-11-29 02:00``, local time) as an aware datetime."""
    written = case.get("clock")
    when = written if isinstance(written, datetime) else datetime.fromisoformat(str(written))
    return when if when.tzinfo else when.replace(tzinfo=ZoneInfo(TEST_ZONE))
