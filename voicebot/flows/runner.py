"""Runs a flow's steps, from where the call is, until the bot must listen or the call ends.

``say`` steps collect sentences, ``lookup`` steps call the council's actions, ``ask`` stops to
listen (or is passed over when the call already holds that value, so a caller who changed their
mind is not asked for their postcode twice), ``transfer`` and ``end`` finish. ``next`` picks the
following step by id or condition.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from voicebot.council.actions import ActionContext, Services
from voicebot.errors import DataError
from voicebot.events import CallEventType
from voicebot.flows.actions import Action, Hangup
from voicebot.flows.conditions import holds
from voicebot.flows.registry import FlowSet
from voicebot.flows.replies import Replies
from voicebot.flows.schema import (
    AFTER_HOURS,
    SPECIAL_TARGETS,
    AskStep,
    Branch,
    EndStep,
    LookupStep,
    SayStep,
    Step,
    TransferStep,
)
from voicebot.flows.state import Asking, CallState, Mode

MAX_STEPS = 50
"""Steps run in one go before the flow is taken to loop."""

Emit = Callable[..., None]
Internal = Mapping[str, Callable[[], Awaitable[Any]]]
"""Actions the dialogue itself answers (booking a call back, leaving a message)."""


class FlowRunner:
    """Starts intents and runs their steps for one call."""

    def __init__(self, flows: FlowSet, services: Services, state: CallState, replies: Replies,
                 context: ActionContext, emit: Emit, internal: Internal | None = None) -> None:
        self.internal: Internal = internal or {}
        self.flows = flows
        self.services = services
        self.state = state
        self.replies = replies
        self.context = context
        self._emit = emit

    async def start(self, intent: str, score: float, said: list[str] | None = None
                    ) -> list[Action]:
        """Begin the flow for ``intent``. Values the caller already gave in this call that the
        flow asks for are kept and not asked again (a postcode given for bin days is not asked
        for again for a missed bin), unless the same request is made again: then the caller
        wants another go, with new answers."""
        flow, spec = self.flows.intents[intent]
        state = self.state
        self._emit(CallEventType.INTENT, intent=intent, score=round(score, 3))
        again = intent == state.intent
        state.enter(Mode.RUNNING)
        state.intent, state.flow = intent, flow
        state.understood()
        state.index = flow.ids[spec.start] if spec.start else 0
        for step in flow.steps:
            if isinstance(step, LookupStep):
                state.values.pop(step.into, None)
        state.carried = set()
        for name, slot in flow.slots.items():
            if not again and state.given.get(name) == slot.type and name in state.values:
                state.carried.add(name)
            else:
                state.values.pop(name, None)
                state.given.pop(name, None)
        return await self.run(list(said or []))

    async def run(self, said: list[str]) -> list[Action]:
        """Run steps from the current one until the bot must listen or the call ends."""
        state = self.state
        for _ in range(MAX_STEPS):
            flow = state.flow
            if flow is None or state.index >= len(flow.steps):
                return self.replies.anything_else(said)
            step = flow.steps[state.index]
            if isinstance(step, SayStep):
                said.append(self.replies.fill(step.say))
            elif isinstance(step, AskStep) and step.ask in state.carried:
                state.carried.discard(step.ask)  # given already, before this request
            elif isinstance(step, AskStep):
                state.enter(Mode.ASKING)
                state.ask = Asking(step, flow.slots[step.ask])
                said.append(self.replies.fill(step.prompt))
                return self.replies.reply(said, self.replies.expect_answer(state.ask))
            elif isinstance(step, LookupStep):
                await self._lookup(step)
            elif isinstance(step, TransferStep):
                if step.say_before:
                    said.append(self.replies.fill(step.say_before))
                return await self.replies.hand_over(
                    step.transfer, self.replies.fill(step.reason),
                    self.replies.fill(step.summary) or self.replies.summary(step.reason), said,
                    emergency=step.emergency)
            elif isinstance(step, EndStep):
                said.append(self.replies.fill(step.end))
                state.enter(Mode.ENDED)
                return [*self.replies.says(said), Hangup(state.ending)]
            target = self.next_of(step)
            if target in SPECIAL_TARGETS:
                return await self.special(str(target), said)
            state.index = flow.ids[target] if target else state.index + 1
        raise DataError("flow-loop", f"flow {state.flow.name if state.flow else '?'} looped")

    async def go_on(self, step: Step, said: list[str]) -> list[Action]:
        """Carry on after ``step`` (an answered or abandoned question)."""
        state = self.state
        state.enter(Mode.RUNNING)
        target = self.next_of(step)
        if target in SPECIAL_TARGETS:
            return await self.special(str(target), said)
        assert state.flow is not None
        state.index = state.flow.ids[target] if target else state.index + 1
        return await self.run(said)

    async def jump(self, target: str, said: list[str]) -> list[Action]:
        """Continue at the step ``target`` (an id or a special target)."""
        self.state.enter(Mode.RUNNING)
        if target in SPECIAL_TARGETS:
            return await self.special(target, said)
        assert self.state.flow is not None
        self.state.index = self.state.flow.ids[target]
        return await self.run(said)

    def keep(self, name: str, slot_type: str, value: Any) -> None:
        """Keep a value the caller gave (and tell the call's event stream)."""
        self.state.give(name, slot_type, value)
        shown = value.get("address", value.get("spoken")) if isinstance(value, Mapping) else value
        self._emit(CallEventType.SLOT, name=name, value=shown)

    async def special(self, target: str, said: list[str]) -> list[Action]:
        if target == "goodbye":
            return self.replies.goodbye(said)
        visit = self.state.after_hours
        if target == "agent" and visit is not None and self.state.flow is not None \
                and self.state.flow.name == AFTER_HOURS:
            # The after-hours flow's "agent": the caller chose to hold for the busy team.
            return await self.replies.hand_over(visit.team, visit.reason, visit.summary, said,
                                                hold=True)
        if target == "agent":
            return await self.replies.to_agent("caller needs an agent",
                                               "flow sent the caller to an agent", said)
        return self.replies.anything_else(said)

    def next_of(self, step: Step) -> str | None:
        if isinstance(step.next, str):
            return step.next
        if isinstance(step.next, list):
            for branch in step.next:
                if isinstance(branch, Branch):
                    if holds(branch.if_, self.replies.scope()):
                        return branch.then
                else:
                    return branch.else_
        return None

    async def _lookup(self, step: LookupStep) -> None:
        state = self.state
        self.context.slots = state.values
        self.context.options = {"url": step.url, "send": step.send, "timeout": step.timeout}
        was_verified = self.context.verified
        internal = self.internal.get(step.lookup)
        result: Any = await (internal() if internal is not None
                             else self.services.run(step.lookup, self.context))
        state.values[step.into] = result
        if self.context.verified and not was_verified:
            self._emit(CallEventType.VERIFIED)
