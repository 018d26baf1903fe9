"""A flow's question being answered: the value, reading it back, and what interrupts it.

While a slot is asked for (``Mode.ASKING``) the words are first an answer; a request outweighs
them only when they give no answer (or a bare yes/no): a person, another service ("actually,
it's about my council tax"), or something this line does not do. A value heard unsurely, or a
spoken one for slots that say ``confirm: spoken``, is read back (``Mode.CONFIRMING``), and the
caller may say yes, no, or only the part that was wrong.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from voicebot.errors import DataError
from voicebot.flows.actions import Action, Expectation
from voicebot.flows.policy import Request
from voicebot.flows.reading import Reading
from voicebot.flows.replies import Replies
from voicebot.flows.runner import FlowRunner
from voicebot.flows.slots import Parsed
from voicebot.flows.state import Asking, CallState, Mode

Switch = Callable[[Request], Awaitable[list[Action]]]
"""The dialogue's way of acting on a request (global, service or out of scope)."""


class Questions:
    """Handles the caller's turns while a flow's question is pending."""

    def __init__(self, state: CallState, replies: Replies, runner: FlowRunner,
                 switch: Switch) -> None:
        self.state = state
        self.replies = replies
        self.runner = runner
        self._switch = switch

    async def answer(self, reading: Reading) -> list[Action]:
        """The value asked for; or a change of mind, a request for a person, or no answer."""
        ask = self._ask()
        parsed = reading.value or Parsed(None, problem="missing")
        found = reading.request
        if found is not None and self._interrupts(found, parsed, ask):
            return await self._switch(found)
        if parsed.value is None:
            return await self._failed(ask, parsed)
        confirm = ask.slot.confirm
        if confirm == "always" or (confirm == "spoken" and not reading.keyed) or (
                confirm == "unsure" and not reading.sure):
            return self._read_back(ask, parsed.value)
        return await self._accept(ask, parsed.value)

    def _interrupts(self, found: Request, parsed: Parsed, ask: Asking) -> bool:
        """Whether a request outweighs the answer: always when there is no answer; over a
        bare yes/no, a different service does ("no, it's about my bins")."""
        if found.kind != "global" and found.intent == self.state.intent:
            return False
        if parsed.value is None:
            return True
        return ask.slot.type == "yes_no" and found.kind != "global"

    def _read_back(self, ask: Asking, value: Any) -> list[Action]:
        ask.pending = value
        self.state.enter(Mode.CONFIRMING)
        return self.replies.reply([self.replies.read_back(ask)], Expectation(slot_type="yes_no"))

    async def confirm(self, reading: Reading) -> list[Action]:
        """Yes, no, the corrected part ("no, nine two eight four"), or a change of mind."""
        ask = self._ask()
        found = reading.request
        corrected = reading.value.value if reading.value is not None else None
        if corrected is not None and corrected != ask.pending:
            return self._read_back(ask, corrected)
        if reading.yes_no is True:
            return await self._accept(ask, ask.pending)
        if found is not None and reading.yes_no is None and (
                found.kind == "global" or found.intent != self.state.intent):
            return await self._switch(found)
        if reading.yes_no is False:
            self.state.enter(Mode.ASKING)
            return await self._failed(ask, Parsed(None), [self.replies.prompt("confirm_no")])
        if ask.failures >= ask.step.retries:  # no yes or no, again and again
            self.state.enter(Mode.ASKING)
            return await self._failed(ask, Parsed(None))
        ask.failures += 1
        return self.replies.reply([self.replies.read_back(ask)], Expectation(slot_type="yes_no"))

    async def _accept(self, ask: Asking, value: Any) -> list[Action]:
        self.runner.keep(ask.step.ask, ask.slot.type, value)
        return await self.runner.go_on(ask.step, [])

    async def _failed(self, ask: Asking, parsed: Parsed, said: list[str] | None = None
                      ) -> list[Action]:
        ask.failures += 1
        step = ask.step
        if ask.failures > step.retries:
            if step.on_fail:
                return await self.runner.jump(step.on_fail, list(said or []))
            return await self.replies.to_agent(f"the bot could not get the {step.ask}",
                                               f"could not get the caller's {step.ask}")
        lines = list(said or [])
        if parsed.problem == "unknown" and step.invalid:
            lines.append(self.replies.fill(step.invalid, {step.ask: parsed.raw}))
        lines.append(self.replies.fill(step.reprompt or step.prompt))
        return self.replies.reply(lines, self.replies.expect_answer(ask))

    def _ask(self) -> Asking:
        if self.state.ask is None:
            raise DataError("dialogue-state", f"no question pending in mode {self.state.mode}")
        return self.state.ask
