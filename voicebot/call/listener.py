"""Listener: one call's caller audio -> SpeechStarted, then Heard or NotHeard.

Each 20 ms frame is resampled once to 16 kHz, cut into 32 ms windows, measured against the
line's noise floor, brought to the level the VAD judges best, scored by Silero VAD (whose
state is refreshed during quiet, so a caller is heard as surely after 30 s of silence as after
half a second), and fed to the pure ``EndOfTurn``.
The audio from before the turn starts is kept back to where the evidence for it began, plus a
margin, so a soft first syllable is not lost. When the caller pauses, a partial transcript is
made in the ASR pool; if the dialogue says it already answers the question, the turn ends after
a short pause and that transcript is used, so little work is left after the caller stops; while
a postcode or account number is being spelled out and is not yet whole, the turn waits longer
(and the turn's own decode starts shortly before that longer wait ends).
Only voiced audio reaches Whisper, and a doubtful transcript is reported as NotHeard, never as
an answer. A loud stretch the VAD doubted throughout (a quick "Oh." it never scores as speech)
is decoded once it ends, and becomes a turn if the words answer the question or are a piece
of a value being spelled out (``speech/doubt.py``); if it has a voice's pitch but no words the
recogniser will vouch for, and the bot was quiet when it began, it is still a turn, reported as
NotHeard, so a caller whose word the line mangled is asked again instead of left in silence.

Use: ``feed(frame)`` for every inbound frame (cheap, never blocks), ``expect(hints)`` when the
dialogue asks something, ``playback(playing)`` when the bot starts and stops speaking, and
``await next()`` for what the caller did.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np

from telephony import AudioIn
from voicebot.audio import FrameChunker, Resampler, pcm16_to_float
from voicebot.call.timing import TurnTiming
from voicebot.errors import RecognitionError, SpeechError, VoicebotError
from voicebot.events import CallEvent, CallEventType, EventSink
from voicebot.speech.base import SAMPLE_RATE, Hints, Recognizer, Transcript, Vad
from voicebot.speech.doubt import (
    LEAST_VOICED_SECONDS,
    a_voice,
    agrees,
    held_words,
    same_answer,
    sure_enough,
    worth_a_second_opinion,
)
from voicebot.speech.expected import SPELLED, heard_as_one_of
from voicebot.speech.level import NoiseFloor, VadGain, level_dbfs
from voicebot.speech.pitch import periodic, pitched_seconds
from voicebot.speech.sentence import reads_finished
from voicebot.speech.turn import EndOfTurn, TurnOptions, TurnSignal
from voicebot.speech.turn_queue import PARTIAL_DROPPED

_LOGGER = logging.getLogger(__name__)

PREROLL_SECONDS = 0.5
"""Audio kept from before the first window of evidence for a turn: a soft first syllable."""
HISTORY_SECONDS = 5.0
"""Most audio kept from before a turn starts (evidence gathered slowly over short gaps, or a
spelled value's first piece the VAD doubted: up to 2 s of it, and the pause after it)."""
TAIL_SECONDS = 0.2
"""Silence kept after the last voiced window: Whisper ends words better with a little tail."""
MAX_PAUSE_SECONDS = 0.4
"""Longest pause kept inside a turn's audio; the rest of a longer one is cut out."""
ECHO_SECONDS = 0.3
"""How long after the bot stops speaking its voice may still come back down the line (a
handset's echo): a doubtful stretch that begins sooner is not taken for the caller unless the
recogniser read words in it."""
LATE_DECODE_SECONDS = 0.5
"""While a spelled value waits out its long pause with no usable partial, the turn's own decode
starts this long before the pause would end the turn, so its transcript is ready when it does."""


@dataclass(frozen=True)
class SpeechStarted:
    """The caller started speaking (the session may barge in)."""


@dataclass(frozen=True)
class Heard:
    """A finished turn that was made out; ``timing`` is where its time went so far."""

    transcript: Transcript
    timing: TurnTiming | None = field(default=None, compare=False)


@dataclass(frozen=True)
class NotHeard:
    """A finished turn that could not be made out (noise, mumbling, a doubtful decode)."""

    transcript: Transcript | None = None
    timing: TurnTiming | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Broken:
    """A finished turn whose recognition failed: a fault on our side, not the caller's."""

    error: VoicebotError


Result = SpeechStarted | Heard | NotHeard | Broken


class Listener:
    """Per-call listening state over the service's shared VAD and recogniser."""

    def __init__(
        self,
        vad: Vad,
        recognizer: Recognizer,
        events: EventSink,
        call_sid: str,
        rate: int = 8000,
        options: TurnOptions | None = None,
    ) -> None:
        self._vad = vad.stream()
        self._recognizer = recognizer
        self._events = events
        self._sid = call_sid
        self._resampler = Resampler(rate, SAMPLE_RATE)
        self._chunker = FrameChunker(self._vad.window_samples)
        self._window_seconds = self._vad.window_samples / SAMPLE_RATE
        self._turn = EndOfTurn(options)
        self._floor = NoiseFloor()
        self._gain = VadGain()
        self._preroll: collections.deque[np.ndarray] = collections.deque(
            maxlen=max(1, int(HISTORY_SECONDS / self._window_seconds))
        )
        self._utterance: list[np.ndarray] = []
        self._quiet: list[int] = []
        """Indexes in the utterance of windows that were not voice (pauses)."""
        self._voiced_end = 0
        self._hints = Hints()
        self._partial: asyncio.Future[Transcript] | None = None
        self._partial_at = -1
        self._complete_at = -1
        self._sentence_at = -1
        self._late_at = -1
        self._results: asyncio.Queue[Result] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._windows = 0
        """Windows heard so far: where in the call a doubtful stretch lies."""
        self._doubt: asyncio.Task[Transcript] | None = None
        self._doubt_from = self._doubt_to = 0
        self._doubt_audio = np.zeros(0, dtype=np.float32)
        self._loud_at = 0
        """The window most recently loud against the line's noise floor."""
        self._earlier: tuple[int, int] | None = None
        """Where the last voiced stretch the recogniser did not take as words began and ended
        (windows heard): a spelled value's first piece, should the next one start a turn."""
        self._doubt_began = 0
        """Where the loud part of the doubtful stretch being judged began (windows heard)."""
        self._quiet_from: int | None = 0
        """Where the bot last fell quiet (windows heard); None while it speaks."""
        self._unread_at = -1
        """The turn's voiced end when it was resumed from a voice that was not read as words:
        if the caller adds nothing, the turn is NotHeard."""
        self._unread_due: tuple[int, int, int, Transcript] | None = None
        """While a value is spelled out: a voice not read, waiting to see whether a turn starts
        soon enough to take it as its first piece (when, where it began and ended, its decode);
        if none does, it is a turn of its own."""

    def expect(self, hints: Hints) -> None:
        """What the dialogue is asking for now: biases recognition and the end of turn."""
        self._hints = hints
        self._earlier = self._unread_due = None

    def playback(self, playing: bool) -> None:
        """The bot's voice is (``playing``), or is no longer, going down the line. A voice the
        recogniser could not read becomes a turn only when it began after the bot fell quiet:
        while the bot speaks it may be the bot's own echo, and barging in on that would cut
        the bot off for nothing."""
        self._quiet_from = None if playing else self._windows

    async def next(self) -> Result:
        return await self._results.get()

    def feed(self, frame: AudioIn) -> None:
        samples = self._resampler.process(pcm16_to_float(frame.pcm))
        for window in self._chunker.push(samples):
            self._window(window)

    def _emit(self, kind: CallEventType, **data: object) -> None:
        self._events(CallEvent(kind, self._sid, dict(data)))

    def _window(self, window: np.ndarray) -> None:
        self._windows += 1
        level = level_dbfs(window)
        loud = self._floor.loud(level, self._window_seconds)
        probability = self._vad.probability(
            self._gain.apply(window, level, loud, self._window_seconds))
        speaking = self._turn.speaking
        if not speaking:
            self._preroll.append(window)
        else:
            self._utterance.append(window)
        complete = self._complete_at == self._voiced_end and self._voiced_end > 0
        spelling = not complete and self._spelling()
        sentence = self._sentence_at == self._voiced_end and self._voiced_end > 0
        pitched = (loud and not self._turn.speaking
                   and probability < self._turn.options.trace_threshold
                   and periodic(window, SAMPLE_RATE))
        signal = self._turn.step(probability, self._window_seconds, complete, loud=loud,
                                 spelling=spelling, sentence=sentence, pitched=pitched)
        if loud:
            self._loud_at = self._windows
        if speaking and self._turn.sounding:
            self._voiced_end = len(self._utterance)
        elif speaking:
            self._quiet.append(len(self._utterance) - 1)
        if signal is TurnSignal.STARTED:
            self._start_turn()
        elif signal is TurnSignal.DOUBTFUL:
            self._check_doubtful()
        elif signal is not None:
            self._finish(signal)
        elif self._turn.wants_partial and self._partial_at != self._voiced_end:
            self._start_partial()
        elif spelling and self._late_decode_due():
            self._start_late_decode()
        elif self._unread_alone_due():
            self._unread_alone()

    def _start_turn(self) -> None:
        """Keep the audio back to where the evidence began, plus a margin for a soft start;
        while a value is spelled out, back to a voiced stretch just before, if there was one
        (``_earlier_piece``)."""
        kept = self._kept(self._turn.onset_age)
        earlier = self._earlier_piece(kept)
        if earlier is None:
            self._begin(kept)
            return
        keep, gap_from = earlier
        self._begin(keep)
        # the pause between the pieces is a pause (shortened for Whisper), not the caller
        self._quiet = list(range(gap_from, keep - kept))

    def _earlier_piece(self, kept: int) -> tuple[int, int] | None:
        """For a spelled value whose first piece was a voiced stretch the VAD doubted and the
        recogniser did not take as words ("four oh oh one" decoded alone as "Work all
        over."), when this turn began within a spelled pause of its end: the windows to keep
        (that piece is this answer's start, and decoded with the rest it is heard), and where
        in them the pause after it begins. None when there is no such piece, or it is already
        within the ``kept`` windows."""
        if self._earlier is None or not self._spelling():
            return None
        began, ended = self._earlier
        onset = self._windows - kept + int(PREROLL_SECONDS / self._window_seconds)
        pause = (onset - ended) * self._window_seconds
        if not 0.0 <= pause <= self._turn.options.spelled_silence:
            return None
        keep = min(len(self._preroll), self._windows - began)
        if keep <= kept:
            return None
        return keep, max(0, ended - (self._windows - keep))

    def _kept(self, age: float) -> int:
        """Windows kept before a turn whose evidence began ``age`` s ago: back to there, plus
        a margin for a soft start, as far as the history reaches."""
        return min(len(self._preroll), math.ceil((age + PREROLL_SECONDS) / self._window_seconds))

    def _begin(self, kept: int, quiet: int = 0, **data: object) -> None:
        """The turn's audio so far is the last ``kept`` windows before it, the last ``quiet``
        of them a pause; the session hears SpeechStarted. The event says how many seconds of
        audio before it the turn holds (``kept``): whether a caller's first word was kept."""
        self._utterance = list(self._preroll)[len(self._preroll) - kept :]
        self._voiced_end = max(1, kept - quiet) if quiet else kept
        self._quiet = list(range(self._voiced_end, kept))
        self._preroll.clear()
        self._earlier = self._unread_due = None
        self._emit(CallEventType.SPEECH_START, kept=round(kept * self._window_seconds, 3),
                   **data)
        self._results.put_nowait(SpeechStarted())

    def _check_doubtful(self) -> None:
        """Ask the recogniser whether a loud stretch the VAD was unsure of held words."""
        if self._hints.is_complete is None or (self._doubt is not None and not self._doubt.done()):
            return
        kept = self._kept(self._turn.doubtful_age)
        quiet = int(self._turn.doubtful_pause / self._window_seconds)
        after = max(0, quiet - int(TAIL_SECONDS / self._window_seconds))
        self._doubt_from, self._doubt_to = self._windows - kept, self._windows - quiet
        self._doubt_began = self._windows - round(self._turn.doubtful_age / self._window_seconds)
        windows = list(self._preroll)[len(self._preroll) - kept : len(self._preroll) - after]
        if not windows:
            return
        self._doubt_audio = np.concatenate(windows)
        self._doubt = asyncio.create_task(
            self._recognizer.transcribe(self._doubt_audio, self._hints))
        self._doubt.add_done_callback(self._judge_doubtful)

    def _judge_doubtful(self, task: asyncio.Task[Transcript]) -> None:
        """Words that answer the question (or a piece of a value being spelled) make the
        doubtful stretch a turn after all, with this decode as its transcript so far."""
        if task.cancelled() or self._turn.speaking:
            return
        if (error := task.exception()) is not None:
            _LOGGER.debug("call %s: doubtful stretch not decoded: %s", self._sid, error)
            return
        transcript = task.result()
        answers = self._whole(transcript)
        whole = sure_enough(transcript) and answers
        confirmed = held_words(transcript, self._hints.expect, whole)
        _LOGGER.debug("call %s: doubtful stretch %r (no speech %.2f, confidence %.2f) "
                      "confirmed=%s", self._sid, transcript.text,
                      transcript.no_speech_probability, transcript.confidence, confirmed)
        if confirmed:
            self._resume(transcript, whole)
            return
        voiced = pitched_seconds(self._doubt_audio, SAMPLE_RATE)
        if voiced >= LEAST_VOICED_SECONDS:
            self._earlier = (self._doubt_from, self._doubt_to)
        if worth_a_second_opinion(transcript, self._hints.expect, answers, voiced):
            unprompted = Hints(language=self._hints.language, weigh=transcript.text)
            self._doubt = asyncio.create_task(
                self._recognizer.transcribe(self._doubt_audio, unprompted))
            self._doubt.add_done_callback(
                lambda second: self._judge_second_opinion(transcript, answers, voiced, second))
        elif self._caller_unread(voiced):
            self._unread(transcript)

    def _judge_second_opinion(self, prompted: Transcript, answers: bool, voiced: float,
                              task: asyncio.Task[Transcript]) -> None:
        """The stretch counts when the decode with no prompt agrees; the turn goes on with
        the surer of the two decodes when they say the same (the prompted one when as sure:
        it is written the way the question expects), else with the prompted one. When they
        disagree, a voice is still the caller's turn, not read."""
        if task.cancelled() or self._turn.speaking or task.exception() is not None:
            return
        second = task.result()
        agreed = agrees(prompted, second)
        _LOGGER.debug("call %s: second opinion %r (confidence %.2f, the primed words %s "
                      "less likely) agrees=%s", self._sid, second.text, second.confidence,
                      second.reading_gap, agreed)
        if agreed:
            surer = same_answer(prompted, second) and second.confidence > prompted.confidence
            chosen = second if surer else prompted
            self._resume(chosen, answers and sure_enough(chosen))
        elif self._caller_unread(voiced):
            self._unread(prompted)

    def _caller_unread(self, voiced: float) -> bool:
        """The doubtful stretch, with ``voiced`` seconds of a voice's pitch, was the caller
        saying something the recogniser could not read: voice enough (``doubt.a_voice``), and
        it began after the bot fell quiet and its echo died away."""
        if self._quiet_from is None or not a_voice(voiced):
            return False
        echo = round(ECHO_SECONDS / self._window_seconds)
        return self._doubt_began >= self._quiet_from + echo

    def _unread(self, transcript: Transcript) -> None:
        """A voice not read is a turn, NotHeard unless the caller goes on. While a value is
        spelled out, only if no turn starts within the spelled pause: one that does takes it
        as its first piece (``_earlier_piece``), where a turn of it alone would end before a
        faint next piece (a slow "H X ... one ... two P L" split in two)."""
        if not self._spelling():
            self._resume(transcript, whole=False, read=False)
            return
        wait = round(self._turn.options.spelled_silence / self._window_seconds)
        self._unread_due = (self._doubt_to + wait, self._doubt_from, self._doubt_to, transcript)

    def _unread_alone_due(self) -> bool:
        """The spelled pause after a voice not read is over, and no turn is starting."""
        return (self._unread_due is not None and self._windows >= self._unread_due[0]
                and not self._turn.speaking and self._turn.onset_age == 0.0)

    def _unread_alone(self) -> None:
        """No turn took the voice not read as its first piece: it is a turn of its own, if
        the line was quiet all through the pause. Anything loud since is the caller going on
        (a faint next piece the VAD barely hears: "nine two" after "four oh oh one"), and the
        voice is left to be the first piece of the turn that follows (``_earlier_piece``)."""
        assert self._unread_due is not None
        _, began, ended, transcript = self._unread_due
        self._unread_due = None
        if self._loud_at > ended + round(self._turn.options.onset_gap / self._window_seconds):
            return
        self._doubt_from, self._doubt_to = began, ended
        self._resume(transcript, whole=False, read=False)

    def _resume(self, transcript: Transcript, whole: bool, read: bool = True) -> None:
        """The turn starts where the stretch began (as much of it as is still kept), in its
        pause; the session hears SpeechStarted now, and the turn ends as any other would.
        Words not ``read`` (a voice the recogniser could not vouch for) make it NotHeard,
        unless the caller goes on and the turn is decoded afresh."""
        kept = min(len(self._preroll), self._windows - self._doubt_from)
        began = (self._windows - self._doubt_from) * self._window_seconds - PREROLL_SECONDS
        self._begin(kept, self._windows - self._stretch_end(), doubtful=True,
                    since=round(max(began, 0.0), 3), **({} if read else {"unread": True}))
        seconds = self._window_seconds
        self._turn.resume(kept * seconds, (kept - self._voiced_end) * seconds)
        decoded: asyncio.Future[Transcript] = asyncio.get_running_loop().create_future()
        decoded.set_result(transcript)
        self._partial, self._partial_at = decoded, self._voiced_end
        if read:
            self._mark(transcript, self._voiced_end, whole)
        else:
            self._unread_at = self._voiced_end

    def _stretch_end(self) -> int:
        """Where the doubtful stretch's voice ended: its last window the VAD gave a trace of,
        or, while a value is spelled out, a loud window just after it (the rest of a letter
        the VAD never heard), so that is neither cut from the audio nor counted as a pause."""
        if not self._spelling():
            return self._doubt_to
        hold = int(self._turn.options.spelled_loud_hold / self._window_seconds)
        later = self._loud_at
        return later if self._doubt_to < later <= self._doubt_to + hold else self._doubt_to

    def _spelling(self) -> bool:
        """A postcode or account number is expected (and not yet heard whole). Even a partial
        of plain words keeps the turn open: Whisper hears spelled letters as words ("S K
        four" as "Let's get it all"), and a caller who has no postcode waits 0.9 s longer."""
        return self._hints.expect in SPELLED

    def _audio(self) -> np.ndarray:
        """The turn's audio for Whisper: up to a little after the last voice, with long pauses
        inside it shortened (Whisper tends to drop the words before a long silence)."""
        end = self._audio_end()
        longest = int(MAX_PAUSE_SECONDS / self._window_seconds)
        dropped, run = set(), 0
        quiet = set(self._quiet)
        for index in range(end):
            run = run + 1 if index in quiet else 0
            if run > longest:
                dropped.add(index)
        kept = [w for i, w in enumerate(self._utterance[:end]) if i not in dropped]
        return np.concatenate(kept) if kept else np.zeros(0, dtype=np.float32)

    def _audio_end(self) -> int:
        """The window the turn's audio ends at: a little after the last voice."""
        tail = int(TAIL_SECONDS / self._window_seconds)
        return min(len(self._utterance), self._voiced_end + tail)

    def _start_partial(self) -> None:
        """During a pause: transcribe what was said so far, to learn if it is a whole answer."""
        if self._hints.is_complete is None:
            return
        if self._partial is not None and not self._partial.done():
            self._partial.cancel()  # of audio the caller has since added to: give way
        self._partial_at = self._voiced_end
        pause = (self._audio_end() - self._voiced_end) * self._window_seconds
        self._decode_ahead(dataclasses.replace(self._hints, partial=True, pause=pause))

    def _late_decode_due(self) -> bool:
        """The partial of this audio was given up (it held no whole value), and the long pause
        for a spelled value is nearly over: the turn will most likely end on this audio."""
        partial = self._partial
        if partial is None or not partial.done() or partial.cancelled():
            return False
        if self._partial_at != self._voiced_end or self._late_at == self._voiced_end:
            return False
        due = self._turn.options.spelled_silence - LATE_DECODE_SECONDS
        return partial.exception() is not None and self._turn.pause >= due

    def _start_late_decode(self) -> None:
        """The turn's own decode, early: reused at the turn's end unless the caller goes on."""
        self._late_at = self._voiced_end
        self._decode_ahead(self._hints)

    def _decode_ahead(self, hints: Hints) -> None:
        """Decode the audio so far before the turn ends; judged on arrival, and reused as the
        turn's transcript if the caller says nothing more."""
        mark = self._voiced_end
        self._partial = asyncio.create_task(self._recognizer.transcribe(self._audio(), hints))
        self._partial.add_done_callback(lambda task: self._judge_partial(task, mark))

    def _judge_partial(self, task: asyncio.Task[Transcript], mark: int) -> None:
        if task.cancelled():
            return
        if (error := task.exception()) is not None:
            _LOGGER.debug("call %s: partial not made: %s", self._sid, error)
            return
        if mark != self._voiced_end:
            return
        transcript = task.result()
        whole = transcript.heard and self._whole(transcript)
        _LOGGER.debug("call %s: partial %r whole=%s", self._sid, transcript.text, whole)
        self._mark(transcript, mark, whole)

    def _mark(self, transcript: Transcript, mark: int, whole: bool) -> None:
        """What the words up to ``mark`` say about the end of the turn: a whole answer ends it
        soon, a finished sentence sooner than other words."""
        if whole:
            self._complete_at = mark
        elif transcript.heard and reads_finished(transcript.text):
            self._sentence_at = mark

    def _whole(self, transcript: Transcript) -> bool:
        """The words Whisper heard answer the question (not what was put right from a list:
        a whole postcode must have been heard whole), and a spelled value must be a valid one
        as heard, or within a character of the one the list put right, since Whisper may hear
        a whole postcode in half of one ("S K four" as "LS6 4HG")."""
        check, hints = self._hints.is_complete, self._hints
        said = transcript.heard_as or transcript.text
        if check is None or not check(said):
            return False
        return not (hints.expect in SPELLED and hints.candidates) or heard_as_one_of(
            said, transcript.text, hints.candidates, hints.expect)

    def _finish(self, signal: TurnSignal) -> None:
        audio = self._audio()
        reuse = self._partial if self._partial_at == self._voiced_end else None
        unread = reuse is not None and self._unread_at == self._voiced_end
        pause = (len(self._utterance) - self._voiced_end) * self._window_seconds
        self._utterance, self._voiced_end = [], 0
        self._partial, self._partial_at, self._complete_at, self._late_at = None, -1, -1, -1
        self._sentence_at = self._unread_at = -1
        self._emit(CallEventType.TURN_END, seconds=round(audio.size / SAMPLE_RATE, 2),
                   capped=signal is TurnSignal.CAPPED, pause=round(pause, 3))
        task = asyncio.create_task(self._recognise(audio, reuse, pause, unread))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _transcribe(self, audio: np.ndarray,
                          partial: asyncio.Future[Transcript] | None) -> Transcript:
        """The turn's transcript: the partial decode of the same audio when there is one (a
        partial dropped because the recogniser was busy is decoded afresh, as a final)."""
        if partial is not None:
            try:
                return await partial
            except RecognitionError as err:
                if err.code != PARTIAL_DROPPED:
                    raise
        return await self._recognizer.transcribe(audio, self._hints)

    async def _recognise(self, audio: np.ndarray, partial: asyncio.Future[Transcript] | None,
                         pause: float, unread: bool = False) -> None:
        """The turn's result. An ``unread`` turn (a voice whose words the recogniser could
        not vouch for) is NotHeard with no transcript: none of its words is offered as an
        answer, though the record keeps what the recogniser guessed."""
        ended = time.monotonic()
        try:
            transcript = await self._transcribe(audio, partial)
        except SpeechError as err:
            _LOGGER.warning("call %s: recognition failed: %s", self._sid, err)
            self._results.put_nowait(Broken(err))
            return
        except Exception as err:  # a fault outside the recogniser's own guard: still a result
            _LOGGER.error("call %s: recognition broke", self._sid, exc_info=err)
            self._results.put_nowait(Broken(RecognitionError(
                "asr-failed", f"{type(err).__name__}: {err}")))
            return
        timing = TurnTiming(pause, ended, time.monotonic() - ended, transcript)
        if unread:
            self._emit(CallEventType.NOT_HEARD, text=transcript.text,
                       confidence=round(transcript.confidence, 3), unread=True)
            self._results.put_nowait(NotHeard(None, timing))
        elif transcript.heard:
            self._emit(CallEventType.TRANSCRIPT, text=transcript.text,
                       confidence=round(transcript.confidence, 3))
            self._results.put_nowait(Heard(transcript, timing))
        else:
            self._emit(CallEventType.NOT_HEARD, text=transcript.text,
                       confidence=round(transcript.confidence, 3))
            self._results.put_nowait(NotHeard(transcript, timing))

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for pending in (self._partial, self._doubt):
            if pending is not None:
                pending.cancel()

