"""The dialogue's vocabulary: what a caller's turn looks like, and what the bot does next.

The engine takes ``CallerTurn``s and returns ``Action``s; it knows nothing of audio or sockets,
so the same flows run in a phone call, in ``voicebot chat`` and in conversation tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Expectation:
    """What the bot is waiting for, so listening can be tuned to it.

    ``slot_type`` is the type of the slot being asked for (``postcode``, ``address``,
    ``account``, ``yes_no``, ``choice``, ``date``, ``number``, ``text``) or None for an open
    question; ``options`` are the choices just offered; ``phrases`` are words likely to be said
    (street names at the caller's postcode, council vocabulary); ``max_digits`` is set when keypad
    digits are accepted and says how many make a whole answer; ``candidates`` are every value a
    whole answer can take, when the council's data lists them (all its postcodes).
    """

    slot_type: str | None = None
    options: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    max_digits: int | None = None
    candidates: tuple[str, ...] = field(default=(), repr=False)
    language: str = "en"
    """The language the caller is speaking (``cy`` once a Welsh caller holds the call in
    Welsh), so the recogniser decodes in it."""


@dataclass(frozen=True)
class CallerTurn:
    """One thing the caller said or keyed: text (normalised later), other hypotheses, or digits."""

    text: str = ""
    alternatives: tuple[str, ...] = ()
    digits: str = ""
    confidence: float = 1.0


@dataclass(frozen=True)
class Say:
    """Speak this; ``interruptible=False`` for notices the caller must hear in full."""

    text: str
    interruptible: bool = True
    language: str = "en"
    """The language of ``text``: picks the voice and the recordings."""


@dataclass(frozen=True)
class Listen:
    """Wait for the caller; after ``timeout`` seconds of silence the engine is told."""

    expect: Expectation = field(default_factory=Expectation)
    timeout: float = 6.0


@dataclass(frozen=True)
class Handover:
    """Transfer to a person. ``team`` picks the transfer target (``council_tax``, ``bins``,
    ``general``); ``reason`` is for the agent and the figures; ``summary`` is the one-line
    spoken whisper the agent hears ("Council tax enquiry, account verified, moving home")."""

    team: str
    reason: str
    summary: str
    language: str = "en"
    """The caller's language: a Welsh caller goes to the team's Welsh-speaking agents."""
    emergency: bool = False
    """An emergency the flows describe: the team's ``emergency`` line takes it, at any hour."""


@dataclass(frozen=True)
class Hangup:
    """The call is finished; ``reason`` says why (``completed``, ``no-response``...)."""

    reason: str = "completed"


Action = Say | Listen | Handover | Hangup


class AgentHours(Protocol):
    """Whether people are there to take a transfer, injected into the engine by the app."""

    def closed_message(self, team: str, language: str = "en") -> str | None:
        """None when the team (its agents who speak ``language``) is open now; otherwise a
        sentence saying when it is open."""
        ...


@dataclass(frozen=True)
class CallbackTime:
    """A window in a team's opening hours in which someone can call the caller back."""

    start: datetime
    end: datetime
    """Local wall-clock times, in the council's time zone."""
    spoken: str
    """``on Monday between 9am and midday``."""


@dataclass(frozen=True)
class TeamTimes:
    """Whether a team can take a caller now and, if not, what the after-hours offer needs."""

    open: bool = True
    busy: bool = False
    """Open, but more callers are waiting than the council keeps on hold: offer a call back."""
    situation: str = ""
    """Said first when the team cannot take the call: when it is open, or how busy it is."""
    reopens: str = ""
    """``on Monday at 9am`` (empty when open now, or never open)."""
    windows: tuple[CallbackTime, ...] = ()
    """Call-back windows on the next days the team opens, soonest first."""
    emergency: bool = False
    """The team's emergency line answers now."""
    now: datetime | None = None
    """The council's local time these were worked out at (names "today" and "tomorrow")."""


@runtime_checkable
class LineTimes(Protocol):
    """``AgentHours`` with what a call back, a message and an emergency need to know."""

    def closed_message(self, team: str, language: str = "en") -> str | None: ...

    def times(self, team: str, language: str = "en") -> TeamTimes:
        """The team's times now (its agents who speak ``language``)."""
        ...
