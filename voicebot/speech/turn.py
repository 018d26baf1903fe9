"""EndOfTurn: when has the caller started, and when have they finished, speaking?

Pure and driven by seconds and speech probabilities, so it is tested without audio.

The start of a turn is a sum of evidence, not a run above one threshold: a sure window counts
in full, a doubtful one (between ``onset_threshold`` and ``speech_threshold``) counts half when
the audio is clearly louder than the line's noise floor or once a sure window has been heard,
a faint one a quarter when loud, and short gaps do not forget what was gathered. So a soft
first syllable, or letters spelled one by one, still add up to speech, while a click or a
cough does not. ``onset_age`` says how long ago the evidence began (or evidence forgotten in
a pause just before: a lone "It's"), so the listener can keep the audio from there on.

Some voices never convince the VAD: a fast "No.", a clipped "Eight." on a poor line can score
0.1-0.45 in every window while standing well clear of the line's noise. Such a *doubtful*
stretch (loud for at least ``doubtful_speech`` but too little evidence to start a turn) is
reported when it ends (``DOUBTFUL``, with ``doubtful_age`` and ``doubtful_pause``), so the
listener can ask the recogniser whether it held words that answer the question; if it did,
``resume`` makes it a turn after all. Nothing starts (and nobody is barged in on) until then.

The end of a turn is adaptive: a short pause ends it once what was heard already answers the
question (a whole postcode, a yes); a long one while the caller is spelling out a value that is
not yet whole ("L S six ... two Q T"); a shorter one than normal when the words, though no
answer, read as a finished sentence; the normal pause otherwise. A caller who never stops is
capped.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TurnSignal(StrEnum):
    STARTED = "started"
    ENDED = "ended"
    CAPPED = "capped"
    DOUBTFUL = "doubtful"


@dataclass(frozen=True)
class TurnOptions:
    """Thresholds in probabilities and seconds; defaults suit an 8 kHz phone line."""

    speech_threshold: float = 0.5
    silence_threshold: float = 0.35
    onset_threshold: float = 0.3
    """Windows between this and ``speech_threshold`` are doubtful: half evidence when loud or
    when a sure window has already been heard in this onset, none otherwise."""
    faint_threshold: float = 0.15
    """Windows between this and ``onset_threshold`` count a quarter, and only when loud: a
    voice the VAD is unsure of (a soft or band-limited one) still adds up over 0.6 s."""
    min_speech: float = 0.12
    """Evidence (voiced seconds) needed before a turn starts: less is a click or a cough."""
    onset_gap: float = 0.3
    """Silence that forgets evidence not yet counted as a turn; shorter gaps keep it, so
    letters spelled one by one ("L. S. 6.") still add up to speech."""
    recall: float = 1.5
    """A turn that starts this soon after forgotten evidence began keeps the audio from there:
    a lone "It's" before a pause is the start of the same answer."""
    complete_silence: float = 0.3
    """Pause that ends a turn already known to be a whole answer."""
    end_silence: float = 0.7
    """Pause that ends any other turn."""
    sentence_silence: float = 0.4
    """Pause that ends a turn whose words, not (yet) an answer, read as a finished sentence."""
    spelled_silence: float = 1.6
    """Pause that ends a turn while a value spelled out with pauses is not yet whole."""
    spelled_loud_hold: float = 1.0
    """While a value is spelled out, a window the VAD doubts but that is a voice or loud is
    still the caller (Silero hears a slow "one" as 0.01 at -19 dBFS, the start of "two" as
    0.2): it ends the pause and is not cut from the turn's audio, for this long of loudness
    in a row; longer is the line, not a letter."""
    partial_after: float = 0.15
    """Pause after which a partial transcript is worth making, to learn if it is complete."""
    max_turn: float = 15.0
    trace_threshold: float = 0.05
    """A loud window scoring at least this counts towards a doubtful stretch (as does one with
    a voice's pitch: Silero scores a loud, quick "Yes." 0.02-0.12 in every window)."""
    doubtful_speech: float = 0.09
    """Loud seconds a doubtful stretch needs to be worth asking the recogniser about."""
    doubtful_longest: float = 2.0
    """A doubtful stretch longer than this is background (a television), not a short answer."""
    doubtful_after_turn: float = 1.0
    """A doubtful stretch beginning this soon after a turn ended is that turn's tail (the last
    letter of a postcode the turn ended early on), not a new answer."""


class EndOfTurn:
    """One call's turn-taking state; feed it every VAD window in order."""

    def __init__(self, options: TurnOptions | None = None) -> None:
        self.options = options or TurnOptions()
        self._since_turn = float("inf")
        """Seconds since the last turn ended."""
        self.reset()

    def reset(self) -> None:
        self.speaking = False
        self.voiced = 0.0
        self.pause = 0.0
        self.length = 0.0
        self.onset_age = 0.0
        """Seconds since the first window of the evidence gathered so far (0 when none)."""
        self.voice = False
        """The last window sounded like a voice (counted as evidence, never as a pause)."""
        self.sounding = False
        """The last window, in a turn, was the caller: a voice, or (a value being spelled out)
        loud though the VAD doubted it. Never part of a pause."""
        self._loud_run = 0.0
        self._evidence = 0.0
        self._sure = False
        self._gap = 0.0
        self._forgotten: float | None = None
        """Seconds since forgotten evidence began, while within ``recall``."""
        self._doubt_loud = self._doubt_age = self._doubt_quiet = 0.0
        self.doubtful_age = 0.0
        """Seconds since the doubtful stretch last reported began."""
        self.doubtful_pause = 0.0
        """Seconds since that stretch's last loud window."""

    def step(
        self,
        probability: float,
        seconds: float,
        complete: bool = False,
        *,
        loud: bool = False,
        spelling: bool = False,
        sentence: bool = False,
        pitched: bool = False,
    ) -> TurnSignal | None:
        """Advance by one window.

        ``complete``: the words so far already answer; ``loud``: this window stands well above
        the line's noise floor; ``spelling``: a value is being spelled out and is not whole yet;
        ``sentence``: the words so far read as a finished sentence; ``pitched``: this window
        repeats at a voice's pitch (a trace of voice the VAD may have missed).
        """
        weight = self._weight(probability, loud)
        self.voice = weight > 0.0
        if not self.speaking:
            self._since_turn += seconds
            doubtful = self._doubt(probability, seconds, loud, pitched)
            return self._onset(weight, probability, seconds) or doubtful
        options = self.options
        self.length += seconds
        self._loud_run = self._loud_run + seconds if loud and not self.voice else 0.0
        self.sounding = self.voice or (
            spelling and loud and self._loud_run <= options.spelled_loud_hold + 1e-9)
        if probability >= options.speech_threshold:
            self.voiced += seconds
            self.pause = 0.0
        elif spelling and self.sounding:
            self.pause = 0.0  # the next piece has begun, however faint to the VAD
        elif probability < options.silence_threshold and not self.sounding:
            self.pause += seconds
        signal = None
        if self.pause >= self._pause_limit(complete, spelling, sentence):
            signal = TurnSignal.ENDED
        elif self.length >= options.max_turn:
            signal = TurnSignal.CAPPED
        if signal is not None:
            self.reset()
            self._since_turn = 0.0
        return signal

    def _onset(self, weight: float, probability: float, seconds: float) -> TurnSignal | None:
        options = self.options
        if self._evidence > 0.0:
            self.onset_age += seconds
        if self._forgotten is not None:
            self._forgotten += seconds
            if self._forgotten > options.recall:
                self._forgotten = None
        if weight > 0.0:
            if self._evidence == 0.0:
                self.onset_age = seconds
            self._evidence += weight * seconds
            self._sure = self._sure or weight == 1.0
            self._gap = 0.0
            if self._evidence >= options.min_speech - 1e-9:
                if self._forgotten is not None:
                    self.onset_age = max(self.onset_age, self._forgotten)
                self.speaking = True
                self.voiced = self.length = self._evidence
                self.pause = 0.0
                return TurnSignal.STARTED
        elif probability < options.silence_threshold:
            self._gap += seconds
            if self._gap >= options.onset_gap and self._evidence > 0.0:
                self._forgotten = self.onset_age
                self._evidence, self._sure, self.onset_age = 0.0, False, 0.0
        return None

    def _doubt(self, probability: float, seconds: float, loud: bool,
               pitched: bool) -> TurnSignal | None:
        """Follow a loud stretch the VAD is unsure of; DOUBTFUL once it has ended."""
        if loud and (probability >= self.options.trace_threshold or pitched):
            self._doubt_loud += seconds
            self._doubt_quiet = 0.0
        elif self._doubt_loud > 0.0:
            self._doubt_quiet += seconds
        if self._doubt_loud > 0.0:
            self._doubt_age += seconds
        if self._doubt_loud == 0.0 or self._doubt_quiet < self.options.onset_gap:
            return None
        options = self.options
        worth = (self._doubt_loud >= options.doubtful_speech - 1e-9
                 and self._doubt_age - self._doubt_quiet <= options.doubtful_longest
                 and self._since_turn - self._doubt_age >= options.doubtful_after_turn)
        self.doubtful_age, self.doubtful_pause = self._doubt_age, self._doubt_quiet
        self._doubt_loud = self._doubt_age = self._doubt_quiet = 0.0
        return TurnSignal.DOUBTFUL if worth else None

    def resume(self, age: float, pause: float) -> None:
        """A doubtful stretch that began ``age`` s ago, and was last loud ``pause`` s ago, held
        words after all: it is a turn, in its pause, from now on."""
        self.reset()
        self.speaking = True
        self.length = age
        self.voiced = max(age - pause, 0.0)
        self.pause = pause

    def _weight(self, probability: float, loud: bool) -> float:
        options = self.options
        if probability >= options.speech_threshold:
            return 1.0
        if probability >= options.onset_threshold and (loud or self._sure):
            return 0.5
        if probability >= options.faint_threshold and loud:
            return 0.25
        return 0.0

    def _pause_limit(self, complete: bool, spelling: bool, sentence: bool) -> float:
        if complete:
            return self.options.complete_silence
        if spelling:
            return self.options.spelled_silence
        return self.options.sentence_silence if sentence else self.options.end_silence

    @property
    def wants_partial(self) -> bool:
        """In a pause long enough that a partial transcript could end the turn early."""
        return self.speaking and self.pause >= self.options.partial_after
