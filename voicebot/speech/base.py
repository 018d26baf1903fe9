"""What the rest of voicebot may know of speech engines: protocols and value objects.

Only ``voicebot.app`` and the CLI build concrete engines; sessions depend on these protocols so
that any faster-whisper model or Piper voice can be swapped in by configuration.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

SAMPLE_RATE = 16_000
"""Rate the recogniser and the VAD work at; the listener resamples caller audio to it once."""


@dataclass(frozen=True)
class Hints:
    """What the dialogue expects at this step, to bias recognition and end-of-turn.

    ``expect`` names the slot type being asked for (``postcode``, ``account``, ``yes_no``,
    ``choice``...), ``phrases`` are words likely to be said (options just offered, street names),
    ``is_complete`` says whether a partial transcript already answers the question.
    ``candidates`` are every value a whole answer can take (the council's postcodes when a
    postcode is asked for), so the recogniser can weigh the closest ones against the audio.
    """

    expect: str | None = None
    phrases: tuple[str, ...] = ()
    prompt: str = ""
    is_complete: Callable[[str], bool] | None = field(default=None, compare=False)
    candidates: tuple[str, ...] = field(default=(), repr=False)
    language: str = "en"
    """The language to decode in (``cy`` for a call held in Welsh)."""
    partial: bool = False
    """A speculative decode during a pause: it goes after final ones, and may be dropped."""
    pause: float = 0.0
    """Seconds of the caller's pause the audio ends with (a partial's), so the recogniser can
    tell a value said in the voice from one finished in the quiet after it."""
    weigh: str = ""
    """A reading to weigh against this decode's own (``Transcript.reading_gap``): a second
    opinion is asked whether words a primed decode heard are as likely without the priming."""


@dataclass(frozen=True)
class Transcript:
    """What the recogniser heard, with how sure it is; ``alternatives`` are other hypotheses."""

    text: str
    confidence: float
    no_speech_probability: float = 0.0
    alternatives: tuple[str, ...] = ()
    audio_seconds: float = 0.0
    decode_seconds: float = 0.0
    heard_as: str = ""
    """What the free decode said, when ``text`` was put right from the expected values."""
    queue_seconds: float = 0.0
    """Time the request waited for the recogniser (the decode itself is ``decode_seconds``)."""
    reading_gap: float | None = None
    """How much likelier (log-probability, end of text included) this decode's text is than
    ``Hints.weigh``'s reading, given the same audio and prompt; at most 0 when the reading is
    as likely (the beam lost it). None when no reading was weighed, or it could not be."""

    @property
    def heard(self) -> bool:
        """False when the text is probably invented from noise or silence.

        Whisper's own rule: no-speech alone is not enough (digit strings score high on it),
        only no-speech together with a low-probability decode, or a very unsure decode.
        """
        if not self.text.strip() or self.confidence < 0.2:
            return False
        return not (self.no_speech_probability > 0.6 and self.confidence < 0.45)


class VadStream(Protocol):
    """Per-call voice activity state; one window of ``window_samples`` at 16 kHz at a time."""

    window_samples: int

    def probability(self, window: np.ndarray) -> float: ...

    def reset(self) -> None: ...


class Vad(Protocol):
    """A shared voice activity model that hands out per-call streams."""

    def stream(self) -> VadStream: ...


class Recognizer(Protocol):
    """Speech to text; runs off the event loop and never blocks it."""

    async def transcribe(self, audio: np.ndarray, hints: Hints) -> Transcript:
        """Transcribe float32 16 kHz mono audio of one utterance."""
        ...


class Synthesizer(Protocol):
    """Text to speech, one sentence at a time, so the first audio leaves early."""

    @property
    def sample_rate(self) -> int: ...

    def synthesize(self, text: str) -> AsyncIterator[bytes]:
        """PCM16 mono at ``sample_rate``, yielded sentence by sentence."""
        ...
