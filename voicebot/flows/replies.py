"""What the bot says back: main.yaml's prompts, flow templates, and the ends of a request.

A reply is some sentences and what the bot then listens for; ending a request is one of three
things: "anything else?", goodbye, or a warm handover to a team (or, when the team is closed,
saying when it opens and offering what the bot can do instead).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from voicebot.council.data import CouncilData
from voicebot.flows.actions import Action, AgentHours, Expectation, Handover, Hangup, Listen, Say
from voicebot.flows.registry import FlowSet
from voicebot.flows.state import Asking, CallState, Mode
from voicebot.flows.templates import render

MENU_PHRASES = ("bins", "recycling", "missed bin", "council tax", "pay")
"""Words likely after an open question, passed to the recogniser as hints."""


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

    # -- words --

    def prompt(self, name: str, **values: str) -> str:
        """A prompt from main.yaml with its {placeholders} filled."""
        template: str = getattr(self.flows.main.prompts, name)
        for key, value in values.items():
            template = template.replace("{" + key + "}", value)
        return " ".join(template.split())

    def fill(self, template: str, extra: Mapping[str, Any] | None = None) -> str:
        """A flow template filled from the call's values, each spoken in its slot's form."""
        flow = self.state.flow
        types = {name: slot.type for name, slot in (flow.slots.items() if flow else [])}
        return render(template, {**self.scope(), **(extra or {})}, types)

    def scope(self) -> dict[str, Any]:
        return {**self.state.values, "verified": self._verified()}

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
        self.expect = expect
        return [*(Say(s) for s in said), Listen(expect)]

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
        digits = slot.digits or (8 if slot.type == "account" else 6 if slot.type == "number"
                                 else None)
        return Expectation(slot_type=slot.type, options=tuple(slot.options), phrases=phrases,
                           max_digits=digits)

    # -- the ends of a request --

    def anything_else(self, said: list[str]) -> list[Action]:
        self.state.enter(Mode.ANYTHING_ELSE)
        self.state.flow = None
        return self.reply([*said, self.prompt("anything_else")], Expectation(
            slot_type="yes_no", phrases=MENU_PHRASES))

    def goodbye(self, said: list[str] | None = None) -> list[Action]:
        self.state.enter(Mode.ENDED)
        return [*(Say(s) for s in said or []), Say(self.prompt("goodbye")), Hangup("completed")]

    def hand_over(self, team: str, reason: str, summary: str,
                  said: list[str] | None = None) -> list[Action]:
        """Transfer to ``team``; out of hours, say when it opens and carry on instead."""
        said = list(said or [])
        closed = self.hours.closed_message(team)
        if closed is not None:
            self.state.enter(Mode.ANYTHING_ELSE)
            self.state.flow = None
            return self.reply([*said, self.prompt("closed", closed=closed)], Expectation(
                slot_type="yes_no", phrases=MENU_PHRASES))
        self.state.enter(Mode.ENDED)
        team_name = self.flows.main.teams.get(team, team.replace("_", " "))
        said.append(self.prompt("transfer", team=team_name))
        return [*(Say(s) for s in said), Handover(team, reason, summary)]

    def to_agent(self, why: str, reason: str, said: list[str] | None = None) -> list[Action]:
        """Hand over to the team of the request in hand, with a summary for the agent."""
        return self.hand_over(self.team(), reason, self.summary(why), said)

    def team(self) -> str:
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
