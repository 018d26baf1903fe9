"""Handing a caller over to a person: where to, whether anyone is there, and what they are told.

``Handoff`` holds the teams (``Teams``: targets, opening hours, closures; a bad hours line stops
start-up with a ``ConfigError``), answers the dialogue's ``AgentHours`` question, and turns a
``Handover`` into the carrier ``Outcome``: the target, the context for the agent side (TaskRouter
task attributes for queues), and the URL of a spoken whisper for the agent, synthesised with the
local voice while the caller is being connected.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
import time
import wave
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telephony.call import Outcome
from voicebot.audio import float_to_pcm16, pcm16_to_float, resample
from voicebot.config import Settings
from voicebot.errors import ConfigError
from voicebot.flows.actions import Handover, TeamTimes
from voicebot.handoff.teams import Team, Teams, Waiting
from voicebot.privacy import redact_numbers, redacted
from voicebot.speech.base import Synthesizer

_LOGGER = logging.getLogger(__name__)

Synthesize = Callable[[str], Awaitable[tuple[bytes, int]]]
"""Text -> (mono PCM16 little-endian, sample rate), off the event loop (the TTS worker pool)."""
Transcripts = Callable[[str], Awaitable[list[dict[str, Any]]]]
"""Call sid -> the call's (redacted) turns so far, as ``CallRecords.transcript`` gives them."""
WHISPER_ROUTE = "/twilio/whisper-audio/{token}.wav"
WHISPER_RATE = 8000
"""The whisper is served as 8 kHz PCM16 WAV: telephone quality, which Twilio plays as is."""
CONTEXT_TURNS = 30
"""The most recent turns carried in the transfer context (TaskRouter limits attribute size)."""


class WhisperNotes(Protocol):
    """Whisper texts shared by the service's processes: Twilio may fetch the audio from any."""

    def keep(self, token: str, call_sid: str, text: str) -> None:
        """Remember a whisper; must not block."""

    async def find(self, token: str) -> tuple[str, str] | None:
        """``(call_sid, text)`` of a recent whisper made by any process, or None."""


class DialogueState(Protocol):
    """What the handover needs of the dialogue (``voicebot.flows.engine.Dialogue``)."""

    @property
    def verified(self) -> bool: ...

    @property
    def slots(self) -> Any: ...


@dataclass
class _Whisper:
    call_sid: str
    text: str
    created: float
    audio: asyncio.Task[bytes] | None = field(default=None)


class Handoff:
    """Transfer targets, opening hours and agent whispers for the whole service."""

    def __init__(
        self,
        settings: Settings,
        synthesize: Synthesize | None = None,
        transcripts: Transcripts | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        keep_whispers: float = 3600.0,
        notes: WhisperNotes | None = None,
        waiting: Waiting | None = None,
    ) -> None:
        try:
            self.zone = ZoneInfo(settings.timezone)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ConfigError("bad-timezone",
                              f"timezone {settings.timezone!r} is not a known time zone "
                              "(use a name like Europe/London)") from err
        self.line = Teams(settings, now, waiting)
        self.teams = self.line.teams
        self.speakers = self.line.speakers
        """Agents by (team, language) for callers who chose another language (Welsh)."""
        self.public_url = settings.public_url or ""
        self._synthesize = synthesize
        self._transcripts = transcripts
        self._now = now
        self._keep = keep_whispers
        self._notes = notes
        self._whispers: dict[str, _Whisper] = {}

    # -- AgentHours / LineTimes --

    def team(self, key: str, language: str = "en") -> Team:
        """The team for ``key`` (its agents who speak ``language``); see ``Teams.team``."""
        return self.line.team(key, language)

    def closed_message(self, team: str, language: str = "en") -> str | None:
        """None when someone is there now; otherwise when the line is open, as a sentence."""
        return self.line.closed_message(team, language)

    def times(self, team: str, language: str = "en") -> TeamTimes:
        """Closed, busy or open now, with call-back windows and the emergency line's state."""
        return self.line.times(team, language)

    # -- the handover --

    def for_call(self, call_sid: str) -> Callable[[Handover, DialogueState], Awaitable[Outcome]]:
        """The session's ``handover`` callback for one call (transcript read from records)."""

        async def hand_over(handover: Handover, dialogue: DialogueState) -> Outcome:
            turns = await self._transcripts(call_sid) if self._transcripts else []
            return await self.outcome(call_sid, handover, dialogue.verified,
                                      dict(dialogue.slots or {}), turns)

        return hand_over

    async def outcome(
        self,
        call_sid: str,
        handover: Handover,
        verified: bool,
        slots: Mapping[str, Any],
        transcript: Iterable[Mapping[str, Any]] = (),
    ) -> Outcome:
        """Where the caller goes, what the agent side is told, and the whisper to play first."""
        team = self.team(handover.team, handover.language)
        if handover.emergency:
            team = self.line.emergency(handover.team) or team
        whisper = whisper_text(handover, team, verified)
        context: dict[str, Any] = {
            "team": team.key,
            "language": handover.language,
            "reason": redact_numbers(handover.reason),
            "summary": redact_numbers(handover.summary),
            "whisper": redact_numbers(whisper),
            "verified": verified,
            "emergency": handover.emergency,
            "slots": redacted(dict(slots)),
            "transcript": [
                {"who": turn.get("who"), "text": redact_numbers(str(turn.get("text", "")))}
                for turn in list(transcript)[-CONTEXT_TURNS:]
            ],
        }
        if self.public_url:
            context["desktop_url"] = f"{self.public_url}/desktop/#call={call_sid}"
        return Outcome(
            kind="transfer",
            reason=redact_numbers(handover.reason),
            target=team.target,
            whisper_url=self._prepare_whisper(call_sid, whisper),
            context=context,
        )

    # -- the agent's whisper --

    def _prepare_whisper(self, call_sid: str, text: str) -> str | None:
        """Start synthesising now (the agent's phone is ringing); return where it is served."""
        if self._synthesize is None:
            return None
        token = secrets.token_urlsafe(18)
        entry = self._start_whisper(token, call_sid, redact_numbers(text))
        if self._notes is not None:
            self._notes.keep(token, call_sid, entry.text)
        return f"{self.public_url}{WHISPER_ROUTE.format(token=token)}"

    def _start_whisper(self, token: str, call_sid: str, text: str) -> _Whisper:
        assert self._synthesize is not None
        self._expire()
        entry = _Whisper(call_sid, text, time.monotonic())
        entry.audio = asyncio.create_task(self._render(entry.text), name=f"whisper-{call_sid}")
        entry.audio.add_done_callback(_log_failure)
        self._whispers[token] = entry
        return entry

    async def whisper_audio(self, token: str, patience: float = 20.0) -> bytes | None:
        """The WAV for a whisper token; None when unknown, expired or not synthesisable."""
        entry = self._whispers.get(token)
        if entry is None and self._notes is not None and self._synthesize is not None:
            found = await self._notes.find(token)  # made by another process: say it here
            if found is not None and token not in self._whispers:
                entry = self._start_whisper(token, *found)
            entry = self._whispers.get(token)
        if entry is None or entry.audio is None:
            return None
        try:
            async with asyncio.timeout(patience):
                return await asyncio.shield(entry.audio)
        except Exception:
            _LOGGER.warning("call %s: whisper audio unavailable", entry.call_sid, exc_info=True)
            return None

    def whisper_call(self, token: str) -> str | None:
        """The call sid a whisper token belongs to."""
        entry = self._whispers.get(token)
        return entry.call_sid if entry else None

    def whisper_for(self, token: str) -> str | None:
        """The text of a whisper (for logs and tests)."""
        entry = self._whispers.get(token)
        return entry.text if entry else None

    async def _render(self, text: str) -> bytes:
        assert self._synthesize is not None
        pcm, rate = await self._synthesize(text)
        if not pcm:
            raise ValueError("the synthesiser returned no audio")
        return wav_bytes(pcm, rate)

    def _expire(self) -> None:
        cutoff = time.monotonic() - self._keep
        for token in [t for t, w in self._whispers.items() if w.created < cutoff]:
            entry = self._whispers.pop(token)
            if entry.audio is not None and not entry.audio.done():
                entry.audio.cancel()


def synthesize_with(synthesizer: Synthesizer) -> Synthesize:
    """Adapts the speech engines' sentence-streaming synthesiser to one whole clip."""

    async def synthesize(text: str) -> tuple[bytes, int]:
        chunks = [chunk async for chunk in synthesizer.synthesize(text)]
        return b"".join(chunks), synthesizer.sample_rate

    return synthesize


def whisper_text(handover: Handover, team: Team, verified: bool) -> str:
    """What the agent hears: the dialogue's summary, or one made from what is known."""
    spoken = LANGUAGE_WHISPER.get(handover.language, "")
    if handover.summary.strip():
        return spoken + handover.summary.strip()
    checked = "caller verified" if verified else "caller not verified"
    return f"{spoken}{team.spoken_name.capitalize()} enquiry, {checked}, {handover.reason}"


LANGUAGE_WHISPER = {"cy": "Welsh speaking caller. "}
"""Said first to the agent when the caller chose another language."""


def wav_bytes(pcm: bytes, rate: int) -> bytes:
    """Mono PCM16 at any rate -> an 8 kHz PCM16 WAV file."""
    samples = resample(pcm16_to_float(pcm), rate, WHISPER_RATE)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(WHISPER_RATE)
        wav.writeframes(float_to_pcm16(samples))
    return out.getvalue()


def _log_failure(task: asyncio.Task[bytes]) -> None:
    if not task.cancelled() and (err := task.exception()) is not None:
        _LOGGER.error("whisper synthesis failed: %s", err)
