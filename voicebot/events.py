"""The one stream of things that happen in a call.

Every stage emits a ``CallEvent`` through an injected callback; call records, the agent desktop,
metrics and golden tests all read this one stream, so they can never disagree.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class CallEventType(StrEnum):
    """What happened; the values are stable strings stored in call records."""

    CALL_START = "call-start"
    SPEECH_START = "speech-start"
    TURN_END = "turn-end"
    TRANSCRIPT = "transcript"
    NOT_HEARD = "not-heard"
    DIGITS = "digits"
    WITHHELD = "withheld"
    """Something the caller gave that must not be kept (a card number); data says what."""
    INTENT = "intent"
    SLOT = "slot"
    VERIFIED = "verified"
    LANGUAGE = "language"
    """The caller chose the language of the call (data: ``language``, e.g. ``cy``)."""
    SAY = "say"
    SAY_START = "say-start"
    """The first audio of something the bot says has gone to the caller (``say`` comes after)."""
    HEARD = "heard"
    BARGE_IN = "barge-in"
    TURN_TIMING = "turn-timing"
    """Where a turn's time went (data: seconds per part, ``call/timing.py``)."""
    SILENCE = "silence"
    TRANSFER = "transfer"
    CALLBACK = "callback"
    """A call back was booked (data: team, number, window, the caller's reason)."""
    MESSAGE = "message"
    SATISFACTION = "satisfaction"
    """The post-call question: ``asked``, and the ``score`` (1 to 5) or None if skipped."""
    """A message was left for a team (data: team, the transcript of the message)."""
    ERROR = "error"
    CALL_END = "call-end"


@dataclass(frozen=True)
class CallEvent:
    """One thing that happened in one call, at a wall-clock time (seconds since the epoch)."""

    type: CallEventType
    call_sid: str
    data: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.time)


EventSink = Callable[[CallEvent], None]
"""Receives events; must not block (records queue their writes)."""


def fan_out(*sinks: EventSink) -> EventSink:
    """One sink that hands each event to several, so each consumer stays independent."""

    def emit(event: CallEvent) -> None:
        for sink in sinks:
            sink(event)

    return emit
