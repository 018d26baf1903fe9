"""When no one can take the call: the after-hours flow, and the call back or message it leaves.

A caller who needs a person when the team is closed (or too busy) is taken into
``after_hours.yaml``, which staff write like any flow: it offers a call back or a message. The
bot comes in at the step ``offer`` the first time, at ``person_again`` when the caller asks for
a person again, and at ``last_resort`` after that, so asking again and again never goes round in
a loop. The flow reads the team's situation as ``{team.*}`` (its name, when it reopens, the
windows someone can call back in) and the caller's own number as ``{caller.*}``; its two
actions, ``book_callback`` and ``leave_message``, are carried out here: each becomes a call
event that the records turn into an entry in the agents' call-back queue or message list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from voicebot.events import CallEventType
from voicebot.flows.actions import Action, TeamTimes
from voicebot.flows.registry import FlowSet
from voicebot.flows.replies import Replies
from voicebot.flows.runner import FlowRunner
from voicebot.flows.schema import AFTER_HOURS, AFTER_HOURS_ENTRIES, LookupStep
from voicebot.flows.state import AfterHoursVisit, CallState, Mode
from voicebot.flows.windows import window_data
from voicebot.language.phone import national, say_ending, say_phone

Emit = Callable[..., None]
CALLBACK_BOOKED = "callback-booked"
MESSAGE_LEFT = "message-left"
"""How a call that booked a call back, or left a message, ends (``Hangup.reason``)."""


class FollowUp:
    """One call's after-hours offers and what they book (``Replies.after_hours``)."""

    def __init__(self, flows: FlowSet, state: CallState, replies: Replies, runner: FlowRunner,
                 emit: Emit, caller_number: str = "") -> None:
        self.flows = flows
        self.state = state
        self.replies = replies
        self.runner = runner
        self._emit = emit
        self.number = national(caller_number) if caller_number else None
        replies.caller = caller_view(self.number)
        runner.internal = {"book_callback": self.book_callback,
                           "leave_message": self.leave_message}

    @property
    def available(self) -> bool:
        return AFTER_HOURS in self.flows.flows

    async def offer(self, team: str, times: TeamTimes, reason: str, summary: str,
                    said: list[str], language: str) -> list[Action]:
        """Enter the after-hours flow for ``team`` at the step this visit calls for."""
        state = self.state
        visit = state.after_hours
        visits = visit.visits + 1 if visit is not None else 1
        state.after_hours = AfterHoursVisit(team, language, reason, summary, visits)
        flow = self.flows.flows[AFTER_HOURS]
        state.enter(Mode.RUNNING)
        state.flow = flow
        state.index = flow.ids[AFTER_HOURS_ENTRIES[min(visits, len(AFTER_HOURS_ENTRIES)) - 1]]
        for name in flow.slots:  # each visit asks afresh
            state.values.pop(name, None)
        for step in flow.steps:
            if isinstance(step, LookupStep):
                state.values.pop(step.into, None)
        state.values["team"] = self.team_view(team, times)
        state.carried = set()
        return await self.runner.run(list(said))

    def team_view(self, team: str, times: TeamTimes) -> dict[str, Any]:
        """``{team.*}`` in the after-hours flow."""
        windows = [window_data(w, times.now) for w in times.windows] if times.now else []
        reads = ("today" if times.open else
                 f"when they open again {times.reopens}" if times.reopens else "when they can")
        return {"key": team, "name": self.replies.team_name(team), "situation": times.situation,
                "reopens": times.reopens, "busy": times.busy, "closed": not times.open,
                "windows": windows, "offered": offered(windows), "reads": reads,
                "can_call_back": bool(windows)}

    async def book_callback(self) -> dict[str, Any]:
        """Book the call back from what the flow collected: the number (the caller's own unless
        they gave another), the window (the soonest unless they chose one), their reason."""
        values, visit = self.state.values, self.state.after_hours
        number = values.get("callback_number")
        if not number and values.get("use_this_number") is not False:
            number = self.number
        team = values.get("team") or {}
        windows = team.get("windows") or []
        window = values.get("callback_window") or (windows[0] if windows else None)
        if not number or not window or visit is None:
            return {"booked": False}
        self._emit(CallEventType.CALLBACK, team=visit.team, language=visit.language,
                   number=str(number), window_start=_epoch(window["start"]),
                   window_end=_epoch(window["end"]),
                   window=window["spoken"], reason=str(values.get("callback_reason") or ""),
                   why=visit.reason, summary=visit.summary)
        self.state.ending = CALLBACK_BOOKED
        return {"booked": True, "when": window["spoken"], "number": say_phone(str(number)),
                "ending": say_ending(str(number))}

    async def leave_message(self) -> dict[str, Any]:
        """Leave the message's transcript (already redacted) for the team's desktop."""
        text, visit = str(self.state.values.get("message") or ""), self.state.after_hours
        if not text.strip() or visit is None:
            return {"left": False}
        team = self.state.values.get("team") or {}
        self._emit(CallEventType.MESSAGE, team=visit.team, language=visit.language, text=text,
                   why=visit.reason, summary=visit.summary, reads=team.get("reads", ""))
        self.state.ending = MESSAGE_LEFT
        return {"left": True}


def _epoch(iso: str) -> float:
    """Times travel as numbers: a written time's digits could be mistaken for a card's."""
    return datetime.fromisoformat(iso).timestamp()


def caller_view(number: str | None) -> dict[str, Any]:
    """``{caller.*}``: whether the caller's number is known, and its last digits to read."""
    if number is None:
        return {"known": False, "ending": "", "number": ""}
    return {"known": True, "ending": say_ending(number), "number": say_phone(number)}


def offered(windows: Sequence[Mapping[str, Any]]) -> str:
    """The windows as one sentence: ``on Monday between 9am and midday or between midday and
    5pm, or on Tuesday at the same times``."""
    days: list[tuple[str, list[str]]] = []
    for window in windows:
        day, _, times = str(window["spoken"]).partition(" between ")
        if days and days[-1][0] == day:
            days[-1][1].append(f"between {times}")
        else:
            days.append((day, [f"between {times}"]))
    parts = []
    for index, (day, ranges) in enumerate(days):
        if index and ranges == days[index - 1][1]:
            parts.append(f"{day} at the same times")
        else:
            parts.append(f"{day} {' or '.join(ranges)}")
    return ", or ".join(parts)
