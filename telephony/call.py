"""The port between a carrier and the conversation.

A carrier adapter builds a ``Call`` per media stream and hands it to a ``CallHandler``; the
handler talks through ``play``/``mark``/``clear`` and returns an ``Outcome`` that the adapter
turns into the carrier's own instructions (for Twilio: TwiML for ``<Connect action>``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


@dataclass(frozen=True)
class CallInfo:
    """Who is calling and how; ``parameters`` are the carrier's custom stream parameters.

    ``watch_token`` is set on browser calls only: a secret that only the page that placed the
    call holds, with which it may follow the call's own live events.
    """

    call_sid: str
    stream_sid: str
    from_number: str = ""
    to_number: str = ""
    carrier: str = "twilio"
    rate: int = 8000
    parameters: dict[str, str] = field(default_factory=dict)
    watch_token: str = ""


@dataclass(frozen=True)
class TransferTarget:
    """Where a caller is handed over: a phone number, SIP address, client identity or queue."""

    kind: Literal["number", "sip", "client", "queue"]
    address: str


@dataclass(frozen=True)
class Outcome:
    """How a call's automated part ended, which decides what the carrier does next.

    ``whisper_url`` is audio the agent hears before being connected; ``context`` travels to the
    agent side (a TaskRouter task, for queues).
    """

    kind: Literal["hangup", "transfer"]
    reason: str = ""
    target: TransferTarget | None = None
    whisper_url: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


class Call(Protocol):
    """One live call's media, as the conversation sees it."""

    @property
    def info(self) -> CallInfo: ...

    def events(self) -> AsyncIterator[InboundEvent]:
        """Inbound events until the stream stops; ends with one ``StreamStopped``."""
        ...

    async def play(self, pcm: bytes) -> None:
        """Queue PCM16 audio at ``info.rate`` for the caller; paced by the adapter."""

    async def mark(self, name: str) -> None:
        """Ask to be told (``MarkPlayed``) when everything queued so far has been heard."""

    async def clear(self) -> None:
        """Drop all queued audio now (barge-in); pending marks come back as cleared."""

    async def wait_played(self, name: str, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until mark ``name`` has been played or cleared; False on timeout."""
        ...

    async def close(self) -> None:
        """End the media stream; the carrier then asks for what to do next."""


from telephony.events import InboundEvent  # noqa: E402  (kept below the port for readability)

CallHandler = Callable[[Call], Awaitable[Outcome]]
"""Runs the conversation for one call and says how it ended."""


class CallObserver(Protocol):
    """Told of a call's life from the carrier's side, so that every call has a record."""

    def call_ringing(self, call_sid: str, from_number: str, to_number: str) -> None: ...

    def call_status(self, call_sid: str, status: str) -> None: ...

    def call_dropped(self, call_sid: str, reason: str) -> None: ...


class CallGate(Protocol):
    """Whether this process takes new calls, told when Twilio is done with a call here.

    A draining process refuses new calls but must still answer the action URL of the calls it
    carried; the gate learns of both so that it knows when it may exit.
    """

    def admit(self, call_sid: str) -> bool:
        """A voice webhook for a new call: False when the process is draining."""
        ...

    def accepting(self) -> bool:
        """False while draining (a proxy may then give new media streams to a sibling)."""
        ...

    def action_served(self, call_sid: str, whisper: bool) -> None:
        """Twilio has had the call's ``<Connect action>`` answer; with ``whisper`` it will
        come back for the agent's whisper when the agent answers."""
