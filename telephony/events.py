"""What a carrier tells the conversation: audio, keypresses, playback progress, the end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class AudioIn:
    """Caller audio: PCM16 little-endian mono at ``rate`` Hz (one carrier frame, usually 20 ms)."""

    pcm: bytes
    rate: int


@dataclass(frozen=True, slots=True)
class DigitIn:
    """One DTMF keypress: ``0``-``9``, ``*`` or ``#``."""

    digit: str


@dataclass(frozen=True, slots=True)
class MarkPlayed:
    """The caller has heard everything sent before the mark of this name (or it was cleared)."""

    name: str
    cleared: bool = False


@dataclass(frozen=True, slots=True)
class StreamStopped:
    """The media stream ended: the caller hung up, the carrier stopped, or the socket dropped."""

    reason: Literal["stop", "dropped", "closed"]


InboundEvent = AudioIn | DigitIn | MarkPlayed | StreamStopped
