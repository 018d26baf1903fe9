"""Which parts of a sentence the bot plays from recordings, and which it synthesises.

The dialogue speaks text only; the speaker asks the book how to say it. A recorded prompt is
kept with its template: "Your next collection is on {date}." recorded as one clip, "Your next
collection is on", matches "Your next collection is on Wednesday the 2nd of December." and
gives the clip, then the date to synthesise. A value that is itself a recorded prompt (the
question repeated after "Sorry, I didn't catch that. {question}") is played from its
recording too. Text no template matches is synthesised whole.

Templates are split the way ``voicebot.flows.prompts.recorded_parts`` splits them: at each
``{placeholder}``, keeping the parts that have words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from voicebot.audio import float_to_pcm16, resample

PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*(?::[a-z]+)?\}")
_WORDY = re.compile(r"\w")
NESTING = 2
"""How deep a value is looked up as a recorded prompt in its own right."""


@dataclass(frozen=True)
class Clip:
    """One recorded part: mono float32 samples at ``rate``."""

    name: str
    samples: np.ndarray = field(repr=False)
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


@dataclass(frozen=True)
class Piece:
    """A stretch of what is said: played from ``clip``, or synthesised from ``text``."""

    text: str
    clip: Clip | None = None


@dataclass(frozen=True)
class _Template:
    pattern: re.Pattern[str]
    fixed: tuple[str, ...]
    """The template's text between placeholders (n + 1 parts for n placeholders)."""
    clips: tuple[Clip, ...]
    """One per fixed part that has words, in order."""


class PromptBook:
    """The recorded prompts of one flow set, by language."""

    def __init__(self) -> None:
        self._templates: dict[str, list[_Template]] = {}
        self._pcm: dict[tuple[str, int], bytes] = {}

    def add(self, language: str, template: str, clips: list[Clip]) -> None:
        fixed = tuple(" ".join(p.split()) for p in PLACEHOLDER.sub("\0", template).split("\0"))
        if sum(1 for part in fixed if _WORDY.search(part)) != len(clips):
            raise ValueError(f"{len(clips)} clip(s) for the parts of {template!r}")
        entries = self._templates.setdefault(language, [])
        entries.append(_Template(_pattern(fixed), fixed, tuple(clips)))
        # The most specific template first: "Sorry, what's the postcode of the property?"
        # before "Sorry, {question}".
        entries.sort(key=lambda t: -sum(len(part) for part in t.fixed))

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._templates.values())

    def pieces(self, text: str, language: str, depth: int = 0) -> list[Piece]:
        """How to say ``text``: recorded clips and stretches to synthesise, in order."""
        said = " ".join(text.split())
        for template in self._templates.get(language, []):
            match = template.pattern.fullmatch(said)
            if match is not None:
                return self._split(template, match, language, depth)
        return [Piece(said)] if _WORDY.search(said) else []

    def _split(self, template: _Template, match: re.Match[str], language: str,
               depth: int) -> list[Piece]:
        pieces: list[Piece] = []
        clips = iter(template.clips)
        values = [*match.groups(), ""]
        for index, part in enumerate(template.fixed):
            if _WORDY.search(part):
                pieces.append(Piece(part, next(clips)))
            value = values[index].strip()
            if not value:
                continue
            after = template.fixed[index + 1] if index + 1 < len(template.fixed) else ""
            if after and not _WORDY.search(after):
                value += after.strip()  # "... {date}." keeps its full stop, for the voice
            pieces += (self.pieces(value, language, depth + 1) if depth < NESTING
                       else [Piece(value)])
        return pieces

    def pcm(self, clip: Clip, rate: int) -> bytes:
        """The clip as PCM16 at the call's rate (converted once per rate)."""
        key = (clip.name, rate)
        if key not in self._pcm:
            self._pcm[key] = float_to_pcm16(resample(clip.samples, clip.rate, rate))
        return self._pcm[key]


def _pattern(fixed: tuple[str, ...]) -> re.Pattern[str]:
    """The template as a pattern over whitespace-normalised text, one group per value."""
    literal = [r"\s+".join(re.escape(word) for word in part.split()) for part in fixed]
    return re.compile(r"\s*(.*?)\s*".join(literal), re.DOTALL)
