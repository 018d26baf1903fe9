"""Dialogue: runs the flows for one call, from caller turns to the bot's actions.

Text (or keypad digits) in, ``Say``/``Listen``/``Handover``/``Hangup`` out; no audio, no
sockets, so the same engine answers phone calls, ``voicebot chat`` and conversation tests.
What callers may do at any point: ask for a person, ask to hear that again, say goodbye, or
change their mind ("actually it's about council tax").
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from voicebot.council.actions import ActionContext, Services
from voicebot.errors import DataError
from voicebot.events import CallEvent, CallEventType, EventSink
from voicebot.flows.actions import (
    Action,
    AgentHours,
    CallerTurn,
    Expectation,
    Handover,
    Hangup,
    Listen,
    Say,
)
from voicebot.flows.conditions import holds
from voicebot.flows.registry import Flow, FlowSet
from voicebot.flows.schema import (
    AskStep,
    Branch,
    EndStep,
    LookupStep,
    SayStep,
    SlotDef,
    Step,
    TransferStep,
)
from voicebot.flows.slots import Parsed, parse_slot, slot_complete
from voicebot.flows.templates import render
from voicebot.language.intents import IntentScore
from voicebot.language.spoken import normalise, yes_or_no

_LOGGER = logging.getLogger(__name__)

ROUTE_SCORE = 0.62
"""An intent this sure is taken without asking."""
SWITCH_SCORE = 0.78
"""While answering a question, an intent this sure means the caller changed their mind."""
GLOBAL_SCORE = 0.8
MARGIN = 0.06
MAX_STEPS = 50
MAX_MISUNDERSTOOD = 2
CLARIFY_SCORE = 0.4
"""An intent this likely is worth offering in a clarifying question."""
"""Requests not understood before the caller is put through to a person."""


def pick_global(flows: FlowSet, heard: list[str], relaxed: bool) -> IntentScore | None:
    """A request that works anywhere (agent, repeat, goodbye, menu), if the words make one.

    Mid-question only a sure match counts (the words are probably an answer). Between
    requests a likelier match is enough when it is clearly ahead of every service intent, so
    "I'd rather speak to somebody" reaches a person without the exact wording.
    """
    if not heard or not heard[0]:
        return None
    ranked = flows.globals.rank(heard[0], heard[1:])
    if not ranked:
        return None
    best = ranked[0]
    if best.score >= GLOBAL_SCORE:
        return best
    if not relaxed or best.score < ROUTE_SCORE:
        return None
    services = flows.router.rank(heard[0], heard[1:])
    rival = services[0].score if services else 0.0
    runner = ranked[1].score if len(ranked) > 1 else 0.0
    return best if best.score - max(rival, runner) >= MARGIN else None


@dataclass
class _Ask:
    """The question being asked and how it has gone."""

    step: AskStep
    slot: SlotDef
    failures: int = 0
    pending: Any = None
    """A value heard but not yet confirmed."""


@dataclass
class _State:
    mode: str = "menu"
    """menu | asking | confirming | anything_else | clarify"""
    flow: Flow | None = None
    index: int = 0
    ask: _Ask | None = None
    values: dict[str, Any] = field(default_factory=dict)
    clarify_options: list[str] = field(default_factory=list)
    misunderstood: int = 0
    silences: int = 0
    not_heard: int = 0
    last_said: list[str] = field(default_factory=list)
    intent: str | None = None


class Dialogue:
    """One call's conversation over a (frozen) flow set."""

    def __init__(self, flow_set: FlowSet, services: Services, events: EventSink, call_sid: str,
                 hours: AgentHours) -> None:
        self.flows = flow_set
        self.services = services
        self._events = events
        self.call_sid = call_sid
        self.hours = hours
        self._state = _State()
        self._context = ActionContext(call_sid, {})
        self._expect = Expectation()

    # -- what the session reads --

    @property
    def verified(self) -> bool:
        return self._context.verified

    @property
    def slots(self) -> Mapping[str, Any]:
        """Collected values, with personal lookups left out until verification."""
        return {k: (v.get("address") if isinstance(v, Mapping) and "address" in v else v)
                for k, v in self._state.values.items()
                if not isinstance(v, Mapping) or "address" in v}

    @property
    def intent(self) -> str | None:
        return self._state.intent

    def is_complete(self, text: str) -> bool:
        """Whether the words so far already answer what was asked (ends the turn sooner)."""
        state = self._state
        if state.mode in {"confirming", "anything_else"}:
            return yes_or_no(text) is not None
        if state.mode == "asking" and state.ask is not None:
            return slot_complete(state.ask.slot, text, self.services.council, state.values)
        if state.mode in {"menu", "clarify"}:
            ranked = self.flows.router.rank(text)
            runner = ranked[1].score if len(ranked) > 1 else 0.0
            return bool(ranked) and ranked[0].score >= ROUTE_SCORE + 0.1 and (
                ranked[0].score - runner >= MARGIN)
        return False

    # -- turns --

    async def start(self) -> list[Action]:
        return self._reply([self._p("greeting")], Expectation(phrases=self._menu_phrases()))

    async def hear(self, turn: CallerTurn) -> list[Action]:
        state = self._state
        state.silences = state.not_heard = 0
        text = normalise(turn.text) if turn.text else ""
        heard = [t for t in (text, *(normalise(a) for a in turn.alternatives)) if t]
        if turn.digits and not text:
            heard = [turn.digits]
        try:
            return await self._hear(heard, turn)
        except DataError as err:
            _LOGGER.warning("call %s: %s", self.call_sid, err)
            return self._hand_over("general", f"could not complete the request ({err.code})",
                                   "The automated service could not complete a lookup")

    async def silence(self) -> list[Action]:
        state = self._state
        state.silences += 1
        if state.silences == 1:
            return self._reply([self._p("silence", question=self._question())], self._expect)
        if state.silences == 2:
            return self._reply([self._p("silence_offer")], self._expect)
        return [Say(self._p("silence_final")), Hangup("no-response")]

    async def not_heard(self) -> list[Action]:
        state = self._state
        state.not_heard += 1
        if state.not_heard >= 3:
            return self._hand_over("general", "caller could not be understood",
                                   "The caller could not be understood on the automated line")
        return self._reply([self._p("not_heard", question=self._question())], self._expect)

    async def _hear(self, heard: list[str], turn: CallerTurn) -> list[Action]:
        state = self._state
        text = heard[0] if heard else ""
        if not turn.digits and (handled := await self._global(text, heard)) is not None:
            return handled
        if state.mode == "confirming":
            return await self._confirm(text)
        if state.mode == "asking" and state.ask is not None:
            return await self._answer(heard, turn)
        if state.mode == "anything_else":
            answer = yes_or_no(text)
            if answer is False:
                return self._goodbye()
            if answer is True and self._best(heard)[1] < ROUTE_SCORE:
                return self._reply([self._p("what_else")], self._menu())
        if state.mode == "clarify" and (chosen := self._chosen_option(text)):
            return await self._start_intent(chosen, 1.0)
        return await self._route(heard)

    # -- understanding --

    def _best(self, heard: list[str]) -> tuple[str | None, float, float]:
        if not heard:
            return None, 0.0, 0.0
        ranked = self.flows.router.rank(heard[0], heard[1:])
        best = ranked[0] if ranked else None
        runner = ranked[1].score if len(ranked) > 1 else 0.0
        return (best.intent, best.score, runner) if best else (None, 0.0, 0.0)

    async def _global(self, text: str, heard: list[str]) -> list[Action] | None:
        if not text:
            return None
        relaxed = self._state.mode in {"menu", "clarify", "anything_else"}
        found = pick_global(self.flows, heard, relaxed)
        if found is None:
            return None
        if self._state.mode == "asking" and self._state.ask is not None:
            parsed = parse_slot(self._state.ask.slot, heard, self.services.council,
                                self._state.values)
            if parsed.value is not None:
                return None  # an answer that happens to contain "no" or "person"
        kind = found.intent
        self._emit(CallEventType.INTENT, intent=kind, score=round(found.score, 3))
        if kind == "agent":
            return self._hand_over(self._team(), "caller asked for an agent",
                                   self._summary("caller asked to speak to someone"))
        if kind == "repeat":
            return self._reply(self._state.last_said or [self._p("menu")], self._expect)
        if kind == "goodbye":
            return self._goodbye()
        self._state.mode = "menu"
        self._state.flow = None
        return self._reply([self._p("menu")], Expectation(phrases=self._menu_phrases()))

    async def _route(self, heard: list[str]) -> list[Action]:
        intent, score, runner = self._best(heard)
        if intent and score >= ROUTE_SCORE and score - runner >= MARGIN:
            return await self._start_intent(intent, score)
        return self._misunderstood(heard)

    def _misunderstood(self, heard: list[str]) -> list[Action]:
        state = self._state
        state.misunderstood += 1
        if state.misunderstood >= MAX_MISUNDERSTOOD:
            return self._hand_over("general", "caller's request was not understood",
                                   self._summary("the automated service could not understand "
                                                 "the request"))
        ranked = self.flows.router.rank(heard[0], heard[1:]) if heard else []
        options = [r.intent for r in ranked[:2] if r.score > CLARIFY_SCORE]
        if not options:
            # Nothing said points anywhere ("erm", a cough): say what the bot can do instead
            # of offering arbitrary guesses.
            state.mode, state.clarify_options = "menu", []
            return self._reply([self._p("not_heard", question=self._p("menu"))],
                               Expectation(phrases=self._menu_phrases()))
        state.mode, state.clarify_options = "clarify", options
        names = [self.flows.intent_name(o) for o in options]
        spoken = ", or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        return self._reply([self._p("clarify", options=spoken)],
                           Expectation(options=tuple(names), phrases=self._menu_phrases()))

    def _chosen_option(self, text: str) -> str | None:
        options = self._state.clarify_options
        lowered = text.lower()
        if len(options) == 1 and yes_or_no(text) is True:
            return options[0]
        for option in options:
            if self.flows.intent_name(option).lower() in lowered:
                return option
        ordinals = {"first": 0, "one": 0, "1": 0, "second": 1, "two": 1, "2": 1, "last": -1}
        for word, index in ordinals.items():
            if word in lowered.split() and options:
                return options[index]
        return None

    # -- running a flow --

    async def _start_intent(self, intent: str, score: float) -> list[Action]:
        flow, spec = self.flows.intents[intent]
        state = self._state
        self._emit(CallEventType.INTENT, intent=intent, score=round(score, 3))
        state.intent, state.flow, state.misunderstood = intent, flow, 0
        state.index = flow.ids[spec.start] if spec.start else 0
        for name in flow.slots:
            state.values.pop(name, None)
        return await self._run([])

    async def _run(self, said: list[str]) -> list[Action]:
        """Run steps from the current one until the bot must listen or the call ends."""
        state = self._state
        for _ in range(MAX_STEPS):
            flow = state.flow
            if flow is None or state.index >= len(flow.steps):
                return self._anything_else(said)
            step = flow.steps[state.index]
            if isinstance(step, SayStep):
                said.append(self._fill(step.say))
            elif isinstance(step, AskStep):
                state.mode = "asking"
                state.ask = _Ask(step, flow.slots[step.ask])
                said.append(self._fill(step.prompt))
                return self._reply(said, self._expectation(state.ask))
            elif isinstance(step, LookupStep):
                self._context.slots = state.values
                self._context.options = {"url": step.url, "send": step.send,
                                         "timeout": step.timeout}
                was_verified = self._context.verified
                state.values[step.into] = await self.services.run(step.lookup, self._context)
                if self._context.verified and not was_verified:
                    self._emit(CallEventType.VERIFIED)
            elif isinstance(step, TransferStep):
                if step.say_before:
                    said.append(self._fill(step.say_before))
                return self._hand_over(step.transfer, self._fill(step.reason),
                                       self._fill(step.summary) or self._summary(step.reason),
                                       said)
            elif isinstance(step, EndStep):
                return [*(Say(s) for s in said), Say(self._fill(step.end)), Hangup("completed")]
            target = self._next(step)
            if target == "anything_else":
                return self._anything_else(said)
            if target == "goodbye":
                return [*(Say(s) for s in said), *self._goodbye()]
            if target == "agent":
                return self._hand_over(self._team(), "flow sent the caller to an agent",
                                       self._summary("caller needs an agent"), said)
            state.index = flow.ids[target] if target else state.index + 1
        raise DataError("flow-loop", f"flow {state.flow.name if state.flow else '?'} looped")

    def _next(self, step: Step) -> str | None:
        if isinstance(step.next, str):
            return step.next
        if isinstance(step.next, list):
            for branch in step.next:
                if isinstance(branch, Branch):
                    if holds(branch.if_, self._scope()):
                        return branch.then
                else:
                    return branch.else_
        return None

    async def _answer(self, heard: list[str], turn: CallerTurn) -> list[Action]:
        state = self._state
        ask = state.ask
        assert ask is not None
        parsed = parse_slot(ask.slot, heard, self.services.council, state.values)
        if parsed.value is None and not turn.digits and heard:
            intent, score, runner = self._best(heard)
            if intent and score >= SWITCH_SCORE and score - runner >= MARGIN and (
                intent != state.intent):
                return await self._start_intent(intent, score)
        if parsed.value is None:
            return await self._failed(ask, parsed)
        unsure = parsed.unsure or turn.confidence < 0.5
        if ask.slot.confirm == "always" or (ask.slot.confirm == "unsure" and unsure):
            ask.pending = parsed.value
            state.mode = "confirming"
            question = ask.step.confirm_prompt or "Just to check, is that {" + ask.step.ask + "}?"
            return self._reply([self._fill(question, {ask.step.ask: parsed.value})],
                               Expectation(slot_type="yes_no"))
        return await self._accept(ask, parsed.value)

    async def _confirm(self, text: str) -> list[Action]:
        state = self._state
        ask = state.ask
        assert ask is not None
        answer = yes_or_no(text)
        if answer is True:
            return await self._accept(ask, ask.pending)
        state.mode = "asking"
        if answer is False:
            return await self._failed(ask, Parsed(None), [self._p("confirm_no")])
        return self._reply([self._fill(ask.step.confirm_prompt or "Is that right?",
                                       {ask.step.ask: ask.pending})],
                           Expectation(slot_type="yes_no"))

    async def _accept(self, ask: _Ask, value: Any) -> list[Action]:
        state = self._state
        state.values[ask.step.ask] = value
        shown = value.get("address") if isinstance(value, Mapping) else value
        self._emit(CallEventType.SLOT, name=ask.step.ask, value=shown)
        state.mode, state.ask = "running", None
        assert state.flow is not None
        target = self._next(ask.step)
        if target in {"anything_else", "goodbye", "agent"}:
            state.index = len(state.flow.steps) if target == "anything_else" else state.index
            if target == "goodbye":
                return self._goodbye()
            if target == "agent":
                return self._hand_over(self._team(), "flow sent the caller to an agent",
                                       self._summary("caller needs an agent"))
            return self._anything_else([])
        state.index = state.flow.ids[target] if target else state.index + 1
        return await self._run([])

    async def _failed(self, ask: _Ask, parsed: Parsed, said: list[str] | None = None
                      ) -> list[Action]:
        state = self._state
        ask.failures += 1
        if ask.failures > ask.step.retries:
            if ask.step.on_fail and state.flow is not None:
                state.mode, state.ask = "running", None
                if ask.step.on_fail == "anything_else":
                    return self._anything_else(list(said or []))
                if ask.step.on_fail in state.flow.ids:
                    state.index = state.flow.ids[ask.step.on_fail]
                    return await self._run(list(said or []))
            return self._hand_over(self._team(), f"could not get the caller's {ask.step.ask}",
                                   self._summary(f"the bot could not get the {ask.step.ask}"))
        lines = list(said or [])
        if parsed.problem == "unknown" and ask.step.invalid:
            lines.append(self._fill(ask.step.invalid, {ask.step.ask: parsed.raw}))
        lines.append(self._fill(ask.step.reprompt or ask.step.prompt))
        return self._reply(lines, self._expectation(ask))

    # -- endings --

    def _anything_else(self, said: list[str]) -> list[Action]:
        state = self._state
        state.mode, state.flow, state.ask = "anything_else", None, None
        return self._reply([*said, self._p("anything_else")], Expectation(
            slot_type="yes_no", phrases=self._menu_phrases()))

    def _goodbye(self) -> list[Action]:
        return [Say(self._p("goodbye")), Hangup("completed")]

    def _hand_over(self, team: str, reason: str, summary: str,
                   said: list[str] | None = None) -> list[Action]:
        said = list(said or [])
        closed = self.hours.closed_message(team)
        if closed is not None:
            self._state.mode, self._state.flow, self._state.ask = "anything_else", None, None
            return self._reply([*said, self._p("closed", closed=closed)], Expectation(
                slot_type="yes_no", phrases=self._menu_phrases()))
        team_name = self.flows.main.teams.get(team, team.replace("_", " "))
        said.append(self._p("transfer", team=team_name))
        return [*(Say(s) for s in said), Handover(team, reason, summary)]

    def _team(self) -> str:
        intent = self._state.intent
        if intent and intent in self.flows.intents:
            flow = self.flows.intents[intent][0]
            return flow.name if flow.name in self.flows.main.teams else "general"
        return "general"

    def _summary(self, why: str) -> str:
        intent = self._state.intent
        topic = self.flows.intent_name(intent) if intent in self.flows.intents else "general"
        checked = "account verified" if self.verified else "not verified"
        return f"{topic.capitalize()} enquiry, {checked}, {why}"

    # -- helpers --

    def _reply(self, said: list[str], expect: Expectation) -> list[Action]:
        said = [s for s in said if s.strip()]
        self._state.last_said = said
        self._expect = expect
        return [*(Say(s) for s in said), Listen(expect)]

    def _question(self) -> str:
        state = self._state
        if state.mode == "asking" and state.ask is not None:
            return self._fill(state.ask.step.reprompt or state.ask.step.prompt)
        if state.mode == "anything_else":
            return self._p("anything_else")
        return self._p("menu")

    def _expectation(self, ask: _Ask) -> Expectation:
        slot = ask.slot
        phrases: tuple[str, ...] = ()
        if slot.type == "postcode":
            phrases = tuple(self.services.council.postcodes[:40])
        if slot.type == "address" and slot.at:
            phrases = tuple(self.services.council.streets_at(str(self._state.values.get(
                slot.at, ""))))
        digits = slot.digits or (8 if slot.type == "account" else 6 if slot.type == "number"
                                 else None)
        return Expectation(slot_type=slot.type, options=tuple(slot.options), phrases=phrases,
                           max_digits=digits, candidates=tuple(
                               self.services.council.postcodes if slot.type == "postcode" else ()))

    def _menu(self) -> Expectation:
        return Expectation(phrases=self._menu_phrases())

    def _menu_phrases(self) -> tuple[str, ...]:
        return ("bins", "recycling", "missed bin", "council tax", "pay")

    def _scope(self) -> dict[str, Any]:
        return {**self._state.values, "verified": self.verified}

    def _types(self) -> dict[str, str]:
        flow = self._state.flow
        return {name: slot.type for name, slot in (flow.slots.items() if flow else [])}

    def _fill(self, template: str, extra: Mapping[str, Any] | None = None) -> str:
        return render(template, {**self._scope(), **(extra or {})}, self._types())

    def _p(self, name: str, **values: str) -> str:
        template: str = getattr(self.flows.main.prompts, name)
        for key, value in values.items():
            template = template.replace("{" + key + "}", value)
        return " ".join(template.split())

    def _emit(self, kind: CallEventType, **data: Any) -> None:
        self._events(CallEvent(kind, self.call_sid, data))

