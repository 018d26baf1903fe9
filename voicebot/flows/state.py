"""One call's dialogue state: the mode it is in, the question pending, what was collected.

The mode is an explicit state machine (as starlette's ``WebSocketState`` or Home Assistant's
pipeline stages): every change goes through ``CallState.enter``, which refuses a move that
``MOVES`` does not allow, so a wrong turn in the engine is a loud error (the session apologises
and transfers) rather than a quietly confused call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from voicebot.errors import DataError
from voicebot.flows.registry import Flow
from voicebot.flows.schema import DEFAULT_LANGUAGE, AskStep, SlotDef


class Mode(StrEnum):
    MENU = "menu"
    """An open question: the greeting, the menu, "what else can I help with?"."""
    CLARIFYING = "clarifying"
    """"Is it about A, or B?": waiting for the caller to pick."""
    OFFERED = "offered"
    """The line cannot help with what was asked; a person was offered (yes means a person)."""
    RUNNING = "running"
    """A flow's steps are running (say, lookup); no caller turn is expected here."""
    ASKING = "asking"
    """A flow asked for a slot value."""
    CONFIRMING = "confirming"
    """A value was read back ("Is your account number 4 0 0 1, 9 2 8 3?")."""
    ANYTHING_ELSE = "anything_else"
    """A request is finished: "Is there anything else I can help you with?"."""
    ENDED = "ended"
    """Handed over or hung up: nothing more is heard."""


OPEN_MODES = frozenset({Mode.MENU, Mode.CLARIFYING, Mode.OFFERED, Mode.ANYTHING_ELSE})
"""Modes in which the bot asked an open question, so any request is welcome."""

_FROM_OPEN = frozenset({Mode.MENU, Mode.CLARIFYING, Mode.OFFERED, Mode.RUNNING,
                        Mode.ANYTHING_ELSE, Mode.ENDED})
_FROM_QUESTION = _FROM_OPEN | {Mode.ASKING, Mode.CONFIRMING}
MOVES: dict[Mode, frozenset[Mode]] = {
    Mode.MENU: _FROM_OPEN,
    Mode.CLARIFYING: _FROM_OPEN,
    Mode.OFFERED: _FROM_OPEN,
    Mode.ANYTHING_ELSE: _FROM_OPEN,
    Mode.RUNNING: frozenset({Mode.RUNNING, Mode.ASKING, Mode.MENU, Mode.ANYTHING_ELSE,
                             Mode.ENDED}),
    Mode.ASKING: _FROM_QUESTION,
    Mode.CONFIRMING: _FROM_QUESTION,
    Mode.ENDED: frozenset(),
}
"""Where each mode may go next. A flow is started (RUNNING) from any open or question mode,
because callers may change their mind anywhere; nothing follows ENDED."""


@dataclass
class Asking:
    """The question being asked and how it has gone."""

    step: AskStep
    slot: SlotDef
    failures: int = 0
    pending: Any = None
    """A value heard but not yet confirmed."""
    keyed: bool = False
    """Whether the pending value was keyed in (keypad entries are not read back)."""


@dataclass
class AfterHoursVisit:
    """Why the caller wanted a person, for the call back or message, and how often they did."""

    team: str
    language: str
    reason: str
    summary: str
    visits: int = 1


@dataclass
class CallState:
    mode: Mode = Mode.MENU
    flow: Flow | None = None
    index: int = 0
    ask: Asking | None = None
    values: dict[str, Any] = field(default_factory=dict)
    given: dict[str, str] = field(default_factory=dict)
    """Slot values the caller gave in this call: name -> slot type (lookups are not here)."""
    carried: set[str] = field(default_factory=set)
    """Slots the request in hand needs that were given before it began: not asked again."""
    options: tuple[str, ...] = ()
    """The intents offered in the pending clarifying question."""
    clarified: int = 0
    """Clarifying questions asked since the last request was understood."""
    menus: int = 0
    """Times the menu was offered since the last request was understood."""
    misunderstood: int = 0
    """Turns not understood in the whole call."""
    silences: int = 0
    not_heard: int = 0
    last_said: list[str] = field(default_factory=list)
    intent: str | None = None
    language: str = DEFAULT_LANGUAGE
    """The language the call is held in; the caller may choose another (Welsh) at the
    greeting or any open question."""
    after_hours: AfterHoursVisit | None = None
    """The team a caller could not be put through to, while its after-hours flow runs."""
    ending: str = "completed"
    """How the call ends when the bot ends it: ``callback-booked`` or ``message-left`` once
    the after-hours flow has booked one (the call's outcome in the records)."""

    def enter(self, mode: Mode) -> None:
        """Move to ``mode``; a move the table does not allow is a bug, reported as one."""
        if mode not in MOVES[self.mode]:
            raise DataError("dialogue-state", f"no move from {self.mode} to {mode}")
        self.mode = mode
        if mode is not Mode.ASKING and mode is not Mode.CONFIRMING:
            self.ask = None
        if mode in OPEN_MODES and mode is not Mode.CLARIFYING:
            self.options = ()

    def give(self, name: str, slot_type: str, value: Any) -> None:
        """Keep a value the caller gave."""
        self.values[name] = value
        self.given[name] = slot_type

    def understood(self) -> None:
        """A request was understood: the patience counters start again."""
        self.clarified = self.menus = 0
