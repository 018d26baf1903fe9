"""Dialogue: runs the flows for one call, from caller turns to the bot's actions.

Text (or keypad digits) in, ``Say``/``Listen``/``Handover``/``Hangup`` out; no audio, no
sockets, so the same engine answers phone calls, ``voicebot chat`` and conversation tests.

Each turn is read once (``reading.read``: a pure ``Reading``) and consumed by a state machine
over ``state.Mode``: an open question (menu, clarifying, anything else), a slot question, or a
value read back. What callers may do at any point: ask for a person, ask to hear that again,
say goodbye, or change their mind ("actually it's about council tax").
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from voicebot.council.actions import ActionContext, Services
from voicebot.errors import DataError
from voicebot.events import CallEvent, CallEventType, EventSink
from voicebot.flows.actions import Action, AgentHours, CallerTurn, Expectation, Hangup, Say
from voicebot.flows.policy import Request
from voicebot.flows.policy import options as likely_options
from voicebot.flows.reading import Question, Reading, heard_words, prepare, read
from voicebot.flows.registry import FlowSet
from voicebot.flows.replies import Replies
from voicebot.flows.runner import FlowRunner
from voicebot.flows.slots import Parsed
from voicebot.flows.state import Asking, CallState, Mode

_LOGGER = logging.getLogger(__name__)

MAX_MISUNDERSTOOD = 2
"""Requests not understood before the caller is put through to a person."""


class Dialogue:
    """One call's conversation over a (frozen) flow set."""

    def __init__(self, flow_set: FlowSet, services: Services, events: EventSink, call_sid: str,
                 hours: AgentHours) -> None:
        self.flows = flow_set
        self.services = services
        self._events = events
        self.call_sid = call_sid
        self.hours = hours
        self._state = CallState()
        self._context = ActionContext(call_sid, {})
        self.replies = Replies(flow_set, self._state, hours, services.council,
                               lambda: self._context.verified)
        self.runner = FlowRunner(flow_set, services, self._state, self.replies, self._context,
                                 self._emit)
        self.reading: Reading | None = None
        """The last turn's reading (``voicebot chat --explain`` shows it)."""

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

    @property
    def mode(self) -> Mode:
        return self._state.mode

    def question(self) -> Question:
        """What the bot is waiting for, as the reading needs it."""
        state = self._state
        ask = state.ask
        return Question(mode=state.mode, slot_name=ask.step.ask if ask else None,
                        slot=ask.slot if ask else None, values=state.values,
                        options=state.options)

    def is_complete(self, text: str) -> bool:
        """Whether the words so far already answer what was asked (ends the turn sooner)."""
        reading = read(CallerTurn(text=text), self.question(), self.flows,
                       self.services.council)
        return reading.complete

    # -- turns --

    async def start(self) -> list[Action]:
        return self.replies.reply([self.replies.prompt("greeting")], self.replies.expect_menu())

    async def hear(self, turn: CallerTurn) -> list[Action]:
        state = self._state
        state.silences = state.not_heard = 0
        await prepare(self.flows, heard_words(turn))
        reading = read(turn, self.question(), self.flows, self.services.council)
        self.reading = reading
        try:
            return await self._consume(reading)
        except DataError as err:
            _LOGGER.warning("call %s: %s", self.call_sid, err)
            return self.replies.hand_over(
                "general", f"could not complete the request ({err.code})",
                "The automated service could not complete a lookup")

    async def silence(self) -> list[Action]:
        state = self._state
        state.silences += 1
        if state.silences == 1:
            return self._again([self.replies.prompt("silence", question=self.replies.question())])
        if state.silences == 2:
            return self._again([self.replies.prompt("silence_offer")])
        state.enter(Mode.ENDED)
        return [Say(self.replies.prompt("silence_final")), Hangup("no-response")]

    async def not_heard(self) -> list[Action]:
        state = self._state
        state.not_heard += 1
        if state.not_heard >= 3:
            return self.replies.hand_over(
                "general", "caller could not be understood",
                "The caller could not be understood on the automated line")
        return self._again([self.replies.prompt("not_heard", question=self.replies.question())])

    # -- the state machine --

    async def _consume(self, reading: Reading) -> list[Action]:
        mode = self._state.mode
        if mode is Mode.ASKING:
            return await self._answer(reading)
        if mode is Mode.CONFIRMING:
            return await self._confirm(reading)
        if mode is Mode.ENDED or mode is Mode.RUNNING:
            raise DataError("dialogue-state", f"a caller turn in mode {mode}")
        return await self._open(reading)

    async def _open(self, reading: Reading) -> list[Action]:
        """After an open question: a request, a picked option, yes/no, or not understood."""
        state = self._state
        found = reading.request
        if found is not None and found.kind == "global":
            return await self._global(found)
        if state.mode is Mode.ANYTHING_ELSE and found is None:
            if reading.yes_no is False:
                return self.replies.goodbye()
            if reading.yes_no is True:
                return self.replies.menu([self.replies.prompt("what_else")])
        if reading.choice is not None:
            return await self.runner.start(reading.choice, 1.0)
        if found is not None and found.kind == "service":
            return await self.runner.start(found.intent, found.score)
        return self._misunderstood(reading)

    async def _global(self, found: Request) -> list[Action]:
        self._emit(CallEventType.INTENT, intent=found.intent, score=round(found.score, 3))
        if found.intent == "agent":
            return self.replies.to_agent("caller asked to speak to someone",
                                         "caller asked for an agent")
        if found.intent == "repeat":
            return self._again(self._state.last_said or [self.replies.prompt("menu")])
        if found.intent == "goodbye":
            return self.replies.goodbye()
        self._state.flow = None
        return self.replies.menu([self.replies.prompt("menu")])

    def _misunderstood(self, reading: Reading) -> list[Action]:
        state = self._state
        state.misunderstood += 1
        if state.misunderstood >= MAX_MISUNDERSTOOD:
            return self.replies.hand_over(
                "general", "caller's request was not understood",
                self.replies.summary("the automated service could not understand the request"))
        offered = likely_options(reading.services)
        if not offered:
            # Nothing said points anywhere ("erm", a cough): say what the bot can do instead
            # of offering arbitrary guesses.
            return self.replies.menu([self.replies.prompt(
                "not_heard", question=self.replies.prompt("menu"))])
        state.enter(Mode.CLARIFYING)
        state.options = offered
        names = [self.flows.intent_name(o) for o in offered]
        spoken = ", or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        return self.replies.reply([self.replies.prompt("clarify", options=spoken)], Expectation(
            options=tuple(names), phrases=self.replies.expect_menu().phrases))

    # -- a question being answered --

    async def _answer(self, reading: Reading) -> list[Action]:
        ask = self._ask()
        parsed = reading.value or Parsed(None, problem="missing")
        found = reading.request
        if parsed.value is None and found is not None:
            if found.kind == "global":
                return await self._global(found)
            if found.intent != self._state.intent:
                return await self.runner.start(found.intent, found.score)
        if parsed.value is None:
            return await self._failed(ask, parsed)
        if ask.slot.confirm == "always" or (ask.slot.confirm == "unsure" and not reading.sure):
            ask.pending = parsed.value
            self._state.enter(Mode.CONFIRMING)
            question = ask.step.confirm_prompt or "Just to check, is that {" + ask.step.ask + "}?"
            return self.replies.reply([self.replies.fill(question, {ask.step.ask: parsed.value})],
                                      Expectation(slot_type="yes_no"))
        return await self._accept(ask, parsed.value)

    async def _confirm(self, reading: Reading) -> list[Action]:
        ask = self._ask()
        found = reading.request
        if found is not None and found.kind == "global" and reading.yes_no is None:
            return await self._global(found)
        if reading.yes_no is True:
            return await self._accept(ask, ask.pending)
        if reading.yes_no is False:
            self._state.enter(Mode.ASKING)
            return await self._failed(ask, Parsed(None), [self.replies.prompt("confirm_no")])
        return self.replies.reply([self.replies.fill(ask.step.confirm_prompt or "Is that right?",
                                                     {ask.step.ask: ask.pending})],
                                  Expectation(slot_type="yes_no"))

    async def _accept(self, ask: Asking, value: Any) -> list[Action]:
        self._state.values[ask.step.ask] = value
        shown = value.get("address") if isinstance(value, Mapping) else value
        self._emit(CallEventType.SLOT, name=ask.step.ask, value=shown)
        return await self.runner.go_on(ask.step, [])

    async def _failed(self, ask: Asking, parsed: Parsed, said: list[str] | None = None
                      ) -> list[Action]:
        ask.failures += 1
        step = ask.step
        if ask.failures > step.retries:
            if step.on_fail:
                return await self.runner.jump(step.on_fail, list(said or []))
            return self.replies.to_agent(f"the bot could not get the {step.ask}",
                                         f"could not get the caller's {step.ask}")
        lines = list(said or [])
        if parsed.problem == "unknown" and step.invalid:
            lines.append(self.replies.fill(step.invalid, {step.ask: parsed.raw}))
        lines.append(self.replies.fill(step.reprompt or step.prompt))
        return self.replies.reply(lines, self.replies.expect_answer(ask))

    # -- helpers --

    def _ask(self) -> Asking:
        if self._state.ask is None:
            raise DataError("dialogue-state", f"no question pending in mode {self._state.mode}")
        return self._state.ask

    def _again(self, said: list[str]) -> list[Action]:
        """Say this and keep waiting for the same thing."""
        return self.replies.reply(said, self.replies.expect)

    def _emit(self, kind: CallEventType, **data: Any) -> None:
        self._events(CallEvent(kind, self.call_sid, data))
