"""The shape of a conversation test file (``flows/tests/*.test.yaml``), as pydantic models.

A file is a list of tests; each test is a list of turns, and a turn's kind is the one key it
carries (``caller``, ``keys``, ``silence`` or ``bot``), as with flow steps. These models are what
the tests are read with and what their JSON Schema is made from, so the two agree.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, RootModel

from voicebot.flows.keyed import OneKeyOf
from voicebot.flows.schema import SlotType, Strict


class CallerSays(Strict):
    """The caller speaks."""

    caller: str
    """What the caller says, as words (the bot hears it as if recognised from speech)."""


class CallerKeys(Strict):
    """The caller presses keys on the keypad."""

    keys: str | int
    """The keys pressed, e.g. "40019283"; quote them to keep a leading zero."""


class CallerSilent(Strict):
    """The caller says nothing until the bot gives up waiting."""

    silence: Literal[True]
    """Always ``true``."""


class BotDoes(Strict):
    """What the bot must have done since the caller's last turn (every check given must hold)."""

    says: str | None = None
    """A regular expression (not case sensitive) that what the bot said must match."""
    not_says: str | None = None
    """A regular expression that what the bot said must not match."""
    asks: SlotType | None = None
    """The type of answer the bot is now waiting for (postcode, account, yes_no...)."""
    transfers: str | None = None
    """The team the caller is passed to."""
    ends: bool | None = None
    """``true``: the bot ended the call."""
    verified: bool | None = None
    """Whether the caller has passed the security check by now."""
    language: str | None = None
    """The language the call is in (``en``, ``cy``), or its transfer's."""
    callback: str | None = None
    """The team a call back was booked with since the last check."""
    message: str | None = None
    """The team a message was left for since the last check."""
    emergency: bool | None = None
    """``true``: the caller was put through to the team's emergency line."""


class BotChecks(Strict):
    """Checks on what the bot did."""

    bot: BotDoes
    """What the bot must have done since the caller's last turn."""


TURN_KINDS: dict[str, type[BaseModel]] = {
    "caller": CallerSays, "keys": CallerKeys, "silence": CallerSilent, "bot": BotChecks,
}
Turn = CallerSays | CallerKeys | CallerSilent | BotChecks


class ConversationTest(Strict):
    """One scripted call: what the caller does, and what the bot must do in reply."""

    test: str
    """What the test shows, in a few words; printed when it passes or fails."""
    clock: str | None = None
    """The council's local time the call happens at ("2026-11-28 03:00"): opening hours, bank
    holidays and call-back times are then real (see docs/flows.md)."""
    line: dict[str, Any] | None = None
    """How the line is set up for this test: ``hours``, ``emergency_hours``, ``region``,
    ``closures``, ``waiting``, ``offer_when_waiting`` (needs ``clock``)."""
    caller_number: str | None = None
    """The number the caller rings from ("" for a withheld number)."""
    conversation_languages: list[str] | None = None
    """The languages the bot holds calls in for this test (``[en, cy]``)."""
    turns: list[Annotated[dict[str, Any], OneKeyOf(TURN_KINDS)]] = Field(min_length=1)
    """The call, turn by turn: each is one of caller, keys, silence, bot."""


class ConversationTestFile(RootModel[list[ConversationTest]]):
    """A conversation test file: a list of tests, run by ``voicebot flows test``."""
