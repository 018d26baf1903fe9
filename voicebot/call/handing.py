"""Handing the caller to a person from a call session: the last resorts, and what goes with it.

When the conversation cannot go on (an internal error, or the service stopping with the call
still running at the drain limit), the caller hears why, in full, and is transferred to the
general team: the call never just dies. The ``transfer`` event carries the slots as JSON-safe
values, for the records and the agent desktop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any, Protocol

from telephony import Call, Outcome
from voicebot.events import CallEvent, CallEventType, EventSink
from voicebot.flows.actions import Handover

if TYPE_CHECKING:
    from voicebot.call.ports import DialogueView, HandoverToOutcome, SpeakerPort

_LOGGER = logging.getLogger(__name__)

APOLOGY = (
    "I'm sorry, something has gone wrong on our side. "
    "I'm passing you to a member of our team now, so please stay on the line."
)
"""Said on any internal error, before the caller is transferred."""
TIME_UP = (
    "I'm sorry, this call has reached the time limit for our automated line. "
    "I'm passing you to a member of our team now, so please stay on the line."
)
"""Said when a call reaches its time limit; the caller is then transferred."""
SHUTDOWN_NOTICE = (
    "I'm sorry, this service has to restart. "
    "I'm passing you to a member of our team now, so please stay on the line."
)
RESTART = Handover(team="general", reason="service shutdown",
                   summary="The automated service restarted during this call")
NOTICE_SECONDS = 20.0
"""The most a last-resort notice may take before the transfer goes ahead regardless."""


class HandingParts(Protocol):
    """What a last-resort handover needs of the session."""

    call: Call
    speaker: SpeakerPort
    handover: HandoverToOutcome
    events: EventSink


async def pass_on(parts: HandingParts, notice: str, handover: Handover, dialogue: DialogueView,
                  shown: DialogueView) -> Outcome:
    """Say ``notice`` in full (bounded), then transfer to the handover's team.

    The handover sees ``dialogue`` (the conversation without card pieces); the recorded
    transfer shows ``shown``, which after an error is nothing, since the state may be what
    broke.
    """
    sid = parts.call.info.call_sid
    with contextlib.suppress(Exception):
        await asyncio.wait_for(parts.speaker.say(notice, interruptible=False), NOTICE_SECONDS)
    try:
        outcome = await parts.handover(handover, dialogue)
    except Exception:
        _LOGGER.exception("call %s: handover failed", sid)
        outcome = Outcome("transfer", reason=handover.reason)
    parts.events(CallEvent(CallEventType.TRANSFER, sid, {
        "team": handover.team, "reason": handover.reason, "summary": handover.summary,
        "verified": shown.verified, "slots": shown.slots}))
    with contextlib.suppress(Exception):
        await parts.call.close()
    return outcome


def cancelled_from_outside() -> bool:
    """True when the task running the session itself is being cancelled (not the dialogue)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class _Unverified:
    """What an error transfer tells the agent side: nothing, as the state may be broken."""

    verified = False
    slots: dict[str, Any] = {}  # noqa: RUF012


UNVERIFIED = _Unverified()
