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
from collections.abc import Iterable, Mapping
from typing import Any

from voicebot.council.actions import ActionContext, Services
from voicebot.errors import DataError
from voicebot.events import CallEvent, CallEventType, EventSink
from voicebot.flows.actions import Action, AgentHours, CallerTurn, Expectation, Hangup
from voicebot.flows.follow_up import FollowUp
from voicebot.flows.languages import LanguageLine
from voicebot.flows.policy import Request
from voicebot.flows.policy import options as likely_options
from voicebot.flows.questions import Questions
from voicebot.flows.reading import Question, Reading, heard_words, prepare, read
from voicebot.flows.registry import FlowSet
from voicebot.flows.replies import Replies
from voicebot.flows.runner import FlowRunner
from voicebot.flows.schema import DEFAULT_LANGUAGE
from voicebot.flows.state import CallState, Mode
from voicebot.flows.survey import Survey

_LOGGER = logging.getLogger(__name__)

class Dialogue:
    """One call's conversation over a (frozen) flow set."""

    def __init__(self, flow_set: FlowSet, services: Services, events: EventSink, call_sid: str,
                 hours: AgentHours, conversing: Iterable[str] = (DEFAULT_LANGUAGE,),
                 caller: str = "") -> None:
        """``caller``: the caller's number as the carrier gave it (offered for a call back)."""
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
        self.questions = Questions(self._state, self.replies, self.runner, self._switch)
        self.replies.after_hours = FollowUp(flow_set, self._state, self.replies, self.runner,
                                            self._emit, caller)
        self.languages = LanguageLine(flow_set, self._state, self.replies, conversing,
                                      self._emit)
        self.survey = Survey(flow_set.main.satisfaction, lambda: self.replies.language,
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

    @property
    def language(self) -> str:
        """The language the call is held in (``cy`` once a caller chose Welsh)."""
        return self._state.language

    def question(self) -> Question:
        """What the bot is waiting for, as the reading needs it."""
        state = self._state
        ask = state.ask
        return Question(mode=state.mode, slot_name=ask.step.ask if ask else None,
                        slot=ask.slot if ask else None, values=state.values,
                        options=state.options, pending=ask.pending if ask else None)

    def is_complete(self, text: str) -> bool:
        """Whether the words so far already answer what was asked (ends the turn sooner)."""
        reading = read(CallerTurn(text=text), self.question(), self.flows,
                       self.services.council)
        return reading.complete

    # -- turns --

    async def start(self) -> list[Action]:
        return self.languages.greeting()

    @property
    def closing(self) -> bool:
        """Only the satisfaction question is left (the call is otherwise finished)."""
        return self.survey.waiting

    async def hear(self, turn: CallerTurn) -> list[Action]:
        if self.survey.waiting:
            return self.survey.answer(turn)
        return self.survey.before_ending(await self._hear(turn))

    async def silence(self) -> list[Action]:
        if self.survey.waiting:
            return self.survey.answer(None)
        return self.survey.before_ending(await self._silence())

    async def not_heard(self) -> list[Action]:
        if self.survey.waiting:
            return self.survey.answer(None)
        return self.survey.before_ending(await self._not_heard())

    async def _hear(self, turn: CallerTurn) -> list[Action]:
        state = self._state
        if state.mode is Mode.ENDED:
            return [Hangup("completed")]  # the call is over; nothing more is taken in
        state.silences = state.not_heard = 0
        if (language := self.languages.chosen(turn)) is not None:
            return await self.languages.choose(language)
        await prepare(self.flows, heard_words(turn))
        reading = read(turn, self.question(), self.flows, self.services.council)
        self.reading = reading
        try:
            return await self._consume(reading)
        except DataError as err:
            _LOGGER.warning("call %s: %s", self.call_sid, err)
            return await self.replies.hand_over(
                "general", f"could not complete the request ({err.code})",
                "The automated service could not complete a lookup")

    async def _silence(self) -> list[Action]:
        state = self._state
        if state.mode is Mode.ENDED:
            return [Hangup("completed")]
        state.silences += 1
        if state.silences == 1:
            return self._again([self.replies.prompt("silence", question=self.replies.question())])
        if state.silences == 2:
            return self._again([self.replies.prompt("silence_offer")])
        state.enter(Mode.ENDED)
        return [*self.replies.says([self.replies.prompt("silence_final")]),
                Hangup("no-response")]

    async def _not_heard(self) -> list[Action]:
        state = self._state
        if state.mode is Mode.ENDED:
            return [Hangup("completed")]
        state.not_heard += 1
        if state.not_heard >= 3:
            return await self.replies.hand_over(
                "general", "caller could not be understood",
                "The caller could not be understood on the automated line")
        return self._again([self.replies.prompt("not_heard", question=self.replies.question())])

    # -- the state machine --

    async def _consume(self, reading: Reading) -> list[Action]:
        mode = self._state.mode
        if mode is Mode.ASKING:
            return await self.questions.answer(reading)
        if mode is Mode.CONFIRMING:
            return await self.questions.confirm(reading)
        if mode is Mode.RUNNING:
            raise DataError("dialogue-state", f"a caller turn in mode {mode}")
        return await self._open(reading)

    async def _open(self, reading: Reading) -> list[Action]:
        """After an open question: a request, a picked option, yes/no, or not understood."""
        mode = self._state.mode
        found = reading.request
        if found is not None and found.kind == "global":
            return await self._global(found)
        if found is None and reading.yes_no is not None and mode is Mode.OFFERED:
            if reading.yes_no:
                return await self.replies.to_agent("caller asked about something this line does "
                                             "not handle", "caller asked for an agent")
            return self.replies.menu([self.replies.prompt("what_else")])
        if found is None and reading.yes_no is not None and mode is Mode.ANYTHING_ELSE:
            if not reading.yes_no:
                return self.replies.goodbye()
            return self.replies.menu([self.replies.prompt("what_else")])
        if reading.choice is not None:
            return await self.runner.start(reading.choice, 1.0)
        if found is not None:
            return await self._switch(found)
        if mode is Mode.CLARIFYING and reading.sure and reading.slot and reading.value:
            # "Bins or a missed bin?" - "LS6 2QT": keep the postcode, ask again.
            self.runner.keep(reading.slot, self._slot_type(reading.slot), reading.value.value)
        return await self._misunderstood(reading)

    async def _switch(self, found: Request) -> list[Action]:
        """Start the service asked for, or say kindly that this line does not do that."""
        if found.kind == "global":
            return await self._global(found)
        if found.kind == "service":
            return await self.runner.start(found.intent, found.score)
        self._emit(CallEventType.INTENT, intent=found.intent, score=round(found.score, 3))
        self._state.understood()
        self._state.enter(Mode.OFFERED)
        self._state.flow, self._state.intent = None, found.intent  # a person is a general one
        return self.replies.reply([self.replies.prompt("out_of_scope")], Expectation(
            slot_type="yes_no", phrases=self.replies.expect_menu().phrases))

    async def _global(self, found: Request) -> list[Action]:
        self._emit(CallEventType.INTENT, intent=found.intent, score=round(found.score, 3))
        if found.intent == "agent":
            return await self.replies.to_agent("caller asked to speak to someone",
                                               "caller asked for an agent")
        if found.intent == "repeat":
            return self._again(self._state.last_said or [self.replies.prompt("menu")])
        if found.intent == "goodbye":
            return self.replies.goodbye()
        self._state.flow = None
        return self.replies.menu([self.replies.prompt("menu")])

    async def _misunderstood(self, reading: Reading) -> list[Action]:
        """Not understood: ask which of the likely services it is, then once more in other
        words, then offer the menu; only then a person (the counts are main.yaml's)."""
        state = self._state
        limits = self.flows.main.not_understood
        state.misunderstood += 1
        offered = state.options if state.mode is Mode.CLARIFYING else likely_options(
            reading.services)
        if state.misunderstood < limits.per_call and offered and state.clarified < limits.clarify:
            state.clarified += 1
            return self._clarify(offered, "clarify" if state.clarified == 1 else "clarify_again")
        if state.misunderstood < limits.per_call and state.menus < limits.menu:
            state.menus += 1
            # Nothing said points anywhere ("erm", a cough): say what the bot can do instead of
            # offering arbitrary guesses.
            menu = self.replies.prompt("menu")
            return self.replies.menu([self.replies.prompt("not_understood"), menu]
                                     if state.clarified else
                                     [self.replies.prompt("not_heard", question=menu)])
        return await self.replies.hand_over(
            "general", "caller's request was not understood",
            self.replies.summary("the automated service could not understand the request"))

    def _clarify(self, offered: tuple[str, ...], prompt: str) -> list[Action]:
        self._state.enter(Mode.CLARIFYING)
        self._state.options = offered
        names = [self.flows.intent_name(o) for o in offered]
        spoken = ", or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        return self.replies.reply([self.replies.prompt(prompt, options=spoken)], Expectation(
            options=tuple(names), phrases=self.replies.expect_menu().phrases))

    # -- helpers --

    def _slot_type(self, name: str) -> str:
        for flow in self.flows.flows.values():
            if name in flow.slots:
                return flow.slots[name].type
        return "text"

    def _again(self, said: list[str]) -> list[Action]:
        """Say this and keep waiting for the same thing."""
        return self.replies.reply(said, self.replies.expect)

    def _emit(self, kind: CallEventType, **data: Any) -> None:
        self._events(CallEvent(kind, self.call_sid, data))
