"""EndOfTurn: when has the caller started, and when have they finished, speaking?

Pure and driven by seconds and speech probabilities, so it is tested without audio. The end of
a turn is adaptive: a short pause ends it once what was heard already answers the question
(a whole postcode, a yes), a longer one otherwise, so a caller who pauses mid-sentence is not
cut off and one who has answered is not kept waiting. A caller who never stops is capped.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TurnSignal(StrEnum):
    STARTED = "started"
    ENDED = "ended"
    CAPPED = "capped"


@dataclass(frozen=True)
class TurnOptions:
    """Thresholds in probabilities and seconds; defaults suit an 8 kHz phone line."""

    speech_threshold: float = 0.5
    silence_threshold: float = 0.35
    min_speech: float = 0.15
    """Voiced time needed before a turn starts: shorter bursts are clicks and coughs."""
    onset_gap: float = 0.3
    """Silence that forgets voiced time not yet counted as a turn; shorter gaps keep it, so
    letters spelled one by one ("L. S. 6.") still add up to speech."""
    complete_silence: float = 0.3
    """Pause that ends a turn already known to be a whole answer."""
    end_silence: float = 0.7
    """Pause that ends any other turn."""
    partial_after: float = 0.15
    """Pause after which a partial transcript is worth making, to learn if it is complete."""
    max_turn: float = 15.0


class EndOfTurn:
    """One call's turn-taking state; feed it every VAD window in order."""

    def __init__(self, options: TurnOptions | None = None) -> None:
        self.options = options or TurnOptions()
        self.reset()

    def reset(self) -> None:
        self.speaking = False
        self.voiced = 0.0
        self.pause = 0.0
        self.length = 0.0
        self._onset = 0.0
        self._gap = 0.0

    def step(self, probability: float, seconds: float, complete: bool = False) -> TurnSignal | None:
        """Advance by one window; ``complete`` says the words so far already answer."""
        options = self.options
        if not self.speaking:
            if probability >= options.speech_threshold:
                self._onset += seconds
                self._gap = 0.0
                if self._onset >= options.min_speech:
                    self.speaking = True
                    self.voiced = self.length = self._onset
                    self.pause = 0.0
                    return TurnSignal.STARTED
            elif probability < options.silence_threshold:
                self._gap += seconds
                if self._gap >= options.onset_gap:
                    self._onset = 0.0
            return None
        self.length += seconds
        if probability >= options.speech_threshold:
            self.voiced += seconds
            self.pause = 0.0
        elif probability < options.silence_threshold:
            self.pause += seconds
        limit = options.complete_silence if complete else options.end_silence
        if self.pause >= limit:
            self.reset()
            return TurnSignal.ENDED
        if self.length >= options.max_turn:
            self.reset()
            return TurnSignal.CAPPED
        return None

    @property
    def wants_partial(self) -> bool:
        """In a pause long enough that a partial transcript could end the turn early."""
        return self.speaking and self.pause >= self.options.partial_after
