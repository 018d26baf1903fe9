"""What the bot says back: main.yaml's prompts, flow templates, and the ends of a request.

A reply is some sentences and what the bot then listens for; ending a request is one of three
things: "anything else?", goodbye, or a warm handover to a team (an emergency to the team's
emergency line at any hour; when the team is closed or too busy, the after-hours flow: a call
back or a message, so a caller who wants a person is never left asking for one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any, Protocol

from voicebot.council.data import CouncilData
from voicebot.flows.actions import (
    Action,
    AgentHours,
    Expectation,
    Handover,
    Hangup,
    LineTimes,
    Listen,
    Say,
    TeamTimes,
)
from voicebot.flows.prompts import text_in
from voicebot.flows.registry import FlowSet
from voicebot.flows.schema import AFTER_HOURS, DEFAULT_LANGUAGE, Prompt
from voicebot.flows.state import Asking, CallState, Mode
from voicebot.flows.templates import render

MENU_PHRASES = ("bins", "recycling", "missed bin", "council tax", "pay")
"""Words likely after an open question, passed to the recogniser as hints."""
SLOT_DIGITS = {"account": 8, "number": 6, "phone": 11}
"""Keypad digits that make a whole answer, by slot type, unless the slot says ``digits``."""


class AfterHours(Protocol):
    """What happens when a caller cannot be put through (``follow_up.FollowUp``)."""

    @property
    def available(self) -> bool: ...

    def offer(self, team: str, times: TeamTimes, reason: str, summary: str, said: list[str],
              language: str) -> Awaitable[list[Action]]: ...


class Replies:
    """Builds the bot's replies for one call from its state."""

    def __init__(self, flows: FlowSet, state: CallState, hours: AgentHours,
                 council: CouncilData, verified: Callable[[], bool]) -> None:
        self.flows = flows
        self.state = state
        self.hours = hours
        self.council = council
        self._verified = verified
        self.expect = Expectation()
        self.after_hours: AfterHours | None = None
        """Set by the dialogue: the call back or message offered when no one can take a call."""
        self.caller: dict[str, Any] = {"known": False}
        """The caller's own number, as ``{caller.ending}`` in prompts (set by the dialogue)."""

    # -- words --

    def prompt(self, name: str, language: str | None = None, **values: str) -> str:
        """A prompt from main.yaml, in the call's language, with its {placeholders} filled."""
        template = text_in(getattr(self.flows.main.prompts, name), language or self.language)
        for key, value in values.items():
            template = template.replace("{" + key + "}", value)
        return " ".join(template.split())

    def fill(self, template: Prompt, extra: Mapping[str, Any] | None = None) -> str:
        """A flow template in the call's language, filled from the call's values, each spoken
        in its slot's form."""
        flow = self.state.flow
        types = {name: slot.type for name, slot in (flow.slots.items() if flow else [])}
        return render(text_in(template, self.language), {**self.scope(), **(extra or {})},
                      types)

    @property
    def language(self) -> str:
        return self.state.language

    def says(self, said: list[str], language: str | None = None) -> list[Action]:
        """Sentences to speak, in the call's language (or the one given)."""
        return [Say(s, language=language or self.language) for s in said if s.strip()]

    def scope(self) -> dict[str, Any]:
        return {**self.state.values, "verified": self._verified(), "caller": self.caller}

    def question(self) -> str:
        """The question pending, asked again after silence or words not caught."""
        state = self.state
        ask = state.ask
        if state.mode is Mode.CONFIRMING and ask is not None:
            return self.read_back(ask)
        if state.mode is Mode.ASKING and ask is not None:
            return self.fill(ask.step.reprompt or ask.step.prompt)
        if state.mode is Mode.ANYTHING_ELSE:
            return self.prompt("anything_else")
        return self.prompt("menu")

    def read_back(self, ask: Asking) -> str:
        """ "I heard 4 0 0 1, 9 2 8 3. Is that right?": the value pending, in its spoken form."""
        question = ask.step.confirm_prompt or "Just to check, is that {" + ask.step.ask + "}?"
        return self.fill(question, {ask.step.ask: ask.pending})

    # -- replies --

    def reply(self, said: list[str], expect: Expectation) -> list[Action]:
        said = [s for s in said if s.strip()]
        self.state.last_said = said
        self.expect = replace(expect, language=self.language)
        return [*self.says(said), Listen(self.expect)]

    def menu(self, said: list[str]) -> list[Action]:
        self.state.enter(Mode.MENU)
        return self.reply(said, self.expect_menu())

    def expect_menu(self) -> Expectation:
        return Expectation(phrases=MENU_PHRASES)

    def expect_answer(self, ask: Asking) -> Expectation:
        slot = ask.slot
        phrases: tuple[str, ...] = ()
        if slot.type == "postcode":
            phrases = tuple(self.council.postcodes[:40])
        if slot.type == "address" and slot.at:
            phrases = tuple(self.council.streets_at(str(self.state.values.get(slot.at, ""))))
        digits = slot.digits or SLOT_DIGITS.get(slot.type)
        return Expectation(slot_type=slot.type, options=tuple(slot.options), phrases=phrases,
                           max_digits=digits, candidates=self._candidates(slot.type))

    def _candidates(self, slot_type: str) -> tuple[str, ...]:
        """Every value the council's data allows, so recognition can weigh the closest."""
        if slot_type == "postcode":
            return tuple(self.council.postcodes)
        return tuple(self.council.accounts) if slot_type == "account" else ()

    # -- the ends of a request --

    def anything_else(self, said: list[str]) -> list[Action]:
        self.state.enter(Mode.ANYTHING_ELSE)
        self.state.flow = None
        return self.reply([*said, self.prompt("anything_else")], Expectation(
            slot_type="yes_no", phrases=MENU_PHRASES))

    def goodbye(self, said: list[str] | None = None) -> list[Action]:
        self.state.enter(Mode.ENDED)
        return [*self.says([*(said or []), self.prompt("goodbye")]), Hangup(self.state.ending)]

    def times(self, team: str, language: str) -> TeamTimes:
        """The team's situation now (a plain ``AgentHours`` knows only open or closed)."""
        if isinstance(self.hours, LineTimes):
            return self.hours.times(team, language)
        closed = self.hours.closed_message(team, language)
        return TeamTimes(open=closed is None, situation=closed or "")

    async def hand_over(self, team: str, reason: str, summary: str,
                        said: list[str] | None = None, *, emergency: bool = False,
                        hold: bool = False) -> list[Action]:
        """Transfer to ``team`` (its agents who speak the caller's language). An emergency goes
        to the team's emergency line whenever it answers. When no one can take the call (closed,
        or too busy unless the caller chose to ``hold``) the after-hours flow offers a call back
        or a message."""
        said = list(said or [])
        language = self.language
        times = self.times(team, language)
        if emergency and times.emergency:
            return self.transfer(team, reason, summary, said, emergency=True)
        if times.open and (hold or not times.busy):
            return self.transfer(team, reason, summary, said)
        if not times.open and language != DEFAULT_LANGUAGE:
            return await self.language_unavailable(said, team, reason, summary)
        if self.after_hours is not None and self.after_hours.available:
            return await self.after_hours.offer(team, times, reason, summary, said, language)
        if times.open:  # busy, and no after-hours flow to offer a call back: the queue it is
            return self.transfer(team, reason, summary, said)
        self.state.enter(Mode.ANYTHING_ELSE)
        self.state.flow = None
        return self.reply([*said, self.prompt("closed", closed=times.situation)], Expectation(
            slot_type="yes_no", phrases=MENU_PHRASES))

    def transfer(self, team: str, reason: str, summary: str, said: list[str],
                 emergency: bool = False) -> list[Action]:
        """Put the caller through now, saying so."""
        self.state.enter(Mode.ENDED)
        said = [*said, self.prompt("transfer", team=self.team_name(team))]
        return [*self.says(said), Handover(team, reason, summary, language=self.language,
                                           emergency=emergency)]

    async def language_unavailable(self, said: list[str], team: str = "general",
                                   reason: str = "", summary: str = "") -> list[Action]:
        """No one who speaks the caller's language is there: say so in it, then go on in
        English, offering a call back from the team's speakers of that language (the
        after-hours flow, with the language kept on the call back) when the flows have it."""
        chosen = self.language
        spoken = self.says([*said, self.prompt("language_unavailable")], chosen)
        self.state.language = DEFAULT_LANGUAGE
        self.state.flow = None
        if self.after_hours is not None and self.after_hours.available and reason:
            times = self.times(team, chosen)
            return [*spoken, *await self.after_hours.offer(team, times, reason, summary, [],
                                                           chosen)]
        return [*spoken, *self.menu([self.prompt("menu")])]

    def team_name(self, team: str) -> str:
        name = self.flows.main.teams.get(team, team.replace("_", " "))
        return name if isinstance(name, str) else (
            name.get(self.language) or name.get(DEFAULT_LANGUAGE) or team.replace("_", " "))

    async def to_agent(self, why: str, reason: str, said: list[str] | None = None
                       ) -> list[Action]:
        """Hand over to the team of the request in hand, with a summary for the agent."""
        return await self.hand_over(self.team(), reason, self.summary(why), said)

    def team(self) -> str:
        if self.state.after_hours is not None and self.state.flow is not None \
                and self.state.flow.name == AFTER_HOURS:
            return self.state.after_hours.team
        intent = self.state.intent
        if intent and intent in self.flows.intents:
            flow = self.flows.intents[intent][0]
            return flow.name if flow.name in self.flows.main.teams else "general"
        return "general"

    def summary(self, why: str) -> str:
        intent = self.state.intent
        topic = self.flows.intent_name(intent) if intent in self.flows.intents else "general"
        checked = "account verified" if self._verified() else "not verified"
        return f"{topic.capitalize()} enquiry, {checked}, {why}"
