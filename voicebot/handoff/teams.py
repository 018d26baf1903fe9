"""The council's teams: where each is reached, when someone is there, and what a caller who
cannot be put through is told.

``Teams`` reads the transfer targets from the settings (a bad hours line stops start-up with a
``ConfigError``), joins each team's weekly hours with the region's bank holidays and the
council's closure days, and answers the dialogue's questions (``AgentHours``/``LineTimes``):
is the team there now; if not, when it is, and in which windows someone can call back; is it
too busy; does its emergency line answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from telephony.call import TransferTarget
from voicebot.config import QueueSettings, Settings
from voicebot.errors import ConfigError
from voicebot.flows.actions import CallbackTime, TeamTimes
from voicebot.handoff.calendar import ClosureDay, Closures, Schedule
from voicebot.handoff.hours import OpeningHours, spoken_opening, spoken_window

_LOGGER = logging.getLogger(__name__)

Waiting = Callable[[str], int]
"""Team key -> callers waiting for it now (transferred, not yet taken by an agent)."""


@dataclass(frozen=True)
class Team:
    """One configured transfer target with its opening hours and closure days."""

    key: str
    target: TransferTarget
    schedule: Schedule
    language: str = "en"
    """The language its agents speak to callers (``cy``: the Welsh-speaking queue)."""

    @property
    def hours(self) -> OpeningHours:
        return self.schedule.hours

    @property
    def spoken_name(self) -> str:
        return "customer services" if self.key == "general" else self.key.replace("_", " ")


class Teams:
    """Every team, its Welsh speakers and its emergency line; whether each is there now."""

    def __init__(self, settings: Settings, now: Callable[[], datetime],
                 waiting: Waiting | None = None) -> None:
        self.zone = ZoneInfo(settings.timezone)
        self.closures = Closures(settings.bank_holidays, [
            ClosureDay(day.date, day.to or day.date, day.name) for day in settings.closure_days])
        self.teams = _teams(settings, self.closures)
        self.speakers = _speakers(settings, self.closures)
        """Agents by (team, language) for callers who chose another language (Welsh)."""
        self.emergencies = _emergencies(settings, self.closures)
        """Each team's emergency line, for the emergencies the flows describe."""
        self.waiting = waiting
        self.busy_at = settings.callbacks.offer_when_waiting
        self.days_offered = settings.callbacks.days_offered
        self._now = now

    def local(self) -> datetime:
        return self._now().astimezone(self.zone)

    def team(self, key: str, language: str = "en") -> Team:
        """The team for ``key``; unknown teams go to ``general`` (or the first configured).

        A caller speaking another language goes to the team's agents who speak it, else to
        general's; only when no one is configured for that language to the team itself.
        """
        if language != "en":
            for candidate in (key, "general"):
                if (candidate, language) in self.speakers:
                    return self.speakers[(candidate, language)]
            _LOGGER.warning("no transfer target speaks %r (set transfer_targets.%s.%s)",
                            language, key, language)
        if key in self.teams:
            return self.teams[key]
        fallback = self.teams.get("general") or next(iter(self.teams.values()))
        _LOGGER.warning("no transfer target for team %r; using %r", key, fallback.key)
        return fallback

    def emergency(self, key: str) -> Team | None:
        """The team's emergency line when it answers now; None otherwise."""
        line = self.emergencies.get(key)
        return line if line is not None and line.schedule.is_open(self.local()) else None

    def closed_message(self, team: str, language: str = "en") -> str | None:
        """None when someone is there now; otherwise when the line is open, as a sentence."""
        chosen = self.team(team, language)
        local = self.local()
        return None if chosen.schedule.is_open(local) else _closed(chosen, local)

    def times(self, team: str, language: str = "en") -> TeamTimes:
        """Now, for a call that cannot simply be put through: closed, busy, or open."""
        chosen = self.team(team, language)
        local = self.local()
        emergency = self.emergency(team) is not None
        windows = tuple(CallbackTime(w.start, w.end, spoken_window(w.start, w.end, local))
                        for w in chosen.schedule.windows(local, self.days_offered))
        if not chosen.schedule.is_open(local):
            opening = chosen.schedule.next_opening(local)
            return TeamTimes(open=False, situation=_closed(chosen, local),
                             reopens=spoken_opening(opening, local) if opening else "",
                             windows=windows, emergency=emergency, now=local)
        waiting = self.waiting(chosen.key) if self.waiting and self.busy_at else 0
        if self.busy_at and waiting >= self.busy_at:
            return TeamTimes(open=True, busy=True, windows=windows, emergency=emergency, now=local,
                             situation=f"Everyone in our {chosen.spoken_name} team is helping "
                                       f"other callers at the moment, and {waiting} people are "
                                       "waiting.")
        return TeamTimes(open=True, emergency=emergency, now=local)


def _closed(team: Team, local: datetime) -> str:
    """``Our council tax team is closed today for Boxing Day. It opens again tomorrow at 9am.``"""
    name, schedule = team.spoken_name, team.schedule
    if schedule.never:
        return f"Our {name} team is not taking calls on this line at the moment."
    holiday = schedule.closed_today(local)
    if holiday is not None:
        message = f"Our {name} team is closed today for {_plain(holiday)}."
    else:
        message = f"Our {name} team is open {schedule.hours.describe()}."
    opening = schedule.next_opening(local)
    if opening is not None:
        message += f" It opens again {spoken_opening(opening, local)}."
    return message


def _plain(holiday: str) -> str:
    """``Boxing Day (observed)`` -> ``Boxing Day``: the name callers know the day by."""
    return re.sub(r"\s*\((observed|estimated)\)", "", holiday, flags=re.IGNORECASE).strip()


def _team(key: str, where: str, target: QueueSettings, closures: Closures,
          language: str = "en") -> Team:
    if not target.address.strip():
        raise ConfigError("bad-transfer-target", f"{where}.address is empty")
    try:
        hours = OpeningHours.parse(target.hours)
    except ConfigError as err:
        raise ConfigError(err.code, f"{where}.hours: {err.message}") from err
    return Team(key, TransferTarget(target.kind, target.address.strip()),
                Schedule(hours, closures), language)


def _teams(settings: Settings, closures: Closures) -> dict[str, Team]:
    if not settings.transfer_targets:
        raise ConfigError("no-transfer-targets",
                          "transfer_targets is empty: configure at least a 'general' target")
    return {key: _team(key, f"transfer_targets.{key}", target, closures)
            for key, target in settings.transfer_targets.items()}


def _speakers(settings: Settings, closures: Closures) -> dict[tuple[str, str], Team]:
    """The agents who speak another language, per team (``transfer_targets.<team>.cy``)."""
    return {(key, "cy"): _team(key, f"transfer_targets.{key}.cy", target.cy, closures, "cy")
            for key, target in settings.transfer_targets.items() if target.cy is not None}


def _emergencies(settings: Settings, closures: Closures) -> dict[str, Team]:
    """Each team's emergency line (``transfer_targets.<team>.emergency``)."""
    return {key: _team(key, f"transfer_targets.{key}.emergency", target.emergency, closures)
            for key, target in settings.transfer_targets.items()
            if target.emergency is not None}
