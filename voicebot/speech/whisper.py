"""Whisper through CTranslate2, with the feature window fitted to the utterance.

Stock faster-whisper pads every utterance to a 30 s window, which costs about 0.9 s per
utterance on two cores whatever its length. CTranslate2's Whisper accepts shorter windows, so
the window here is the utterance plus a margin, rounded up; decode length is bounded by the
audio's duration, and a decode that runs away (repetition, hitting the bound, text far too
long for the audio) is redone on the full 30 s window. Requests from concurrent calls that
wait together are decoded as one batch, since throughput on few cores comes from batching,
not from more workers; final decodes go before partial ones (``speech/turn_queue.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import math
import time
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import ctranslate2
import numpy as np
import tokenizers
from faster_whisper.feature_extractor import FeatureExtractor
from faster_whisper.tokenizer import Tokenizer

from voicebot.errors import RecognitionError
from voicebot.speech.alignment import said_before_the_pause
from voicebot.speech.base import SAMPLE_RATE, Hints, Transcript
from voicebot.speech.expected import (
    SPELLED,
    Rescorer,
    digits_only_suppression,
    first_listed_value,
    holds_digits,
    whole_shaped,
)
from voicebot.speech.levels import voiced_seconds
from voicebot.speech.pool import InferencePool
from voicebot.speech.provision import DeviceChoice
from voicebot.speech.turn_queue import PARTIAL_DROPPED, TurnQueue
from voicebot.speech.value_search import ValueSearch, ValueTree, lost_number

_LOGGER = logging.getLogger(__name__)

FULL_WINDOW = 3000
"""Mel frames in Whisper's native 30 s window (100 frames a second)."""
RESCORED = frozenset({"postcode", "account"})
"""Expected values weighed against the list of valid ones (``speech/expected.py``)."""


@dataclass(frozen=True)
class DecodeOptions:
    """How decoding is bounded; the defaults were chosen with bench/asr_wer.py."""

    beam_size: int = 2
    hypotheses: int = 2
    margin_frames: int = 100
    """Silence added after the utterance, so short windows still see an ending."""
    round_frames: int = 100
    tokens_per_second: float = 7.0
    """Speech is about 4 tokens a second (digits read one by one a little more)."""
    min_tokens: int = 12
    max_tokens: int = 220
    batch_wait: float = 0.0
    """Seconds to wait for other calls' requests to join a batch. None by default: requests
    that arrive while a decode runs form the next batch, so a lone caller never waits."""
    max_batch: int = 8
    fitted_window: bool = True
    search_lost_numbers: bool = True
    """Search the valid account numbers when a decode holds none (``speech/value_search.py``);
    off only to measure what the search is worth (bench/account_numbers.py)."""


@dataclass
class _Request:
    features: np.ndarray
    prompt: list[int]
    seconds: float
    future: asyncio.Future[Transcript] = field(repr=False)
    expect: str | None = None
    candidates: tuple[str, ...] = field(default=(), repr=False)
    arrived: float = 0.0
    partial: bool = False
    voiced: float = 0.0
    """Seconds of the audio that carry voice (measured for account numbers only)."""
    pause: float = 0.0
    """Seconds of pause at the end of the audio (``Hints.pause``)."""
    weigh: str = ""
    """A reading to weigh against the decode's own (``Hints.weigh``)."""

    @property
    def droppable(self) -> bool:
        """A partial the turn can do without: not one of a spelled value (whose turn would
        wait 1.6 s without it)."""
        return self.partial and self.expect not in SPELLED


def _groups(requests: list[_Request]) -> dict[tuple[bool, int], list[int]]:
    """Indices of the requests that can be decoded in one batch: the same restriction
    (digits or not), and prompts of the same length, since CTranslate2 needs the start of
    transcript at the same position in every item (calls at different questions have
    prompts of different lengths)."""
    groups: dict[tuple[bool, int], list[int]] = {}
    for index, request in enumerate(requests):
        key = (request.expect == "account", len(request.prompt))
        groups.setdefault(key, []).append(index)
    return groups


class WhisperRecognizer:
    """Shared Whisper model; ``transcribe`` is safe to call from many calls at once."""

    def __init__(
        self,
        model_dir: Path,
        device: DeviceChoice,
        pool: InferencePool,
        options: DecodeOptions | None = None,
    ) -> None:
        self.options = options or DecodeOptions()
        self._pool = pool
        try:
            self.model = ctranslate2.models.Whisper(
                str(model_dir),
                device=device.device,
                compute_type=device.compute_type,
                intra_threads=pool.asr_threads if device.device == "cpu" else 0,
                inter_threads=1,
            )
            hf_tokenizer = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        except Exception as err:
            raise RecognitionError("asr-load-failed", f"cannot load {model_dir}: {err}") from err
        self.tokenizer = Tokenizer(
            hf_tokenizer, self.model.is_multilingual, task="transcribe", language="en"
        )
        self._tokenizers = {"en": self.tokenizer}
        self.features = FeatureExtractor(feature_size=self.model.n_mels)
        self._rescorer = Rescorer(self.model, self.tokenizer)
        self._search = ValueSearch(self.model, self.tokenizer)
        self._digits_only: list[int] | None = None
        self._queue: TurnQueue[_Request] | None = None
        self._worker: asyncio.Task[None] | None = None

    # -- the async face --

    async def transcribe(self, audio: np.ndarray, hints: Hints) -> Transcript:
        """Transcribe one utterance (float32, 16 kHz); batched with other calls' requests."""
        if audio.size < SAMPLE_RATE // 10:
            return Transcript("", 0.0, 1.0)
        features = await self._pool.asr(lambda: self._features(audio))
        loop = asyncio.get_running_loop()
        voiced = voiced_seconds(audio, SAMPLE_RATE) if hints.expect == "account" else 0.0
        request = _Request(features, self._prompt(hints), audio.size / SAMPLE_RATE,
                           loop.create_future(), hints.expect, hints.candidates,
                           arrived=time.monotonic(), partial=hints.partial, voiced=voiced,
                           weigh=hints.weigh.strip(), pause=hints.pause)
        self._ensure_worker().put(request)
        return await request.future

    def _ensure_worker(self) -> TurnQueue[_Request]:
        """The batcher for the running event loop (tests and tools may use several loops)."""
        loop = asyncio.get_running_loop()
        worker = self._worker
        if self._queue is None or worker is None or worker.done() or worker.get_loop() is not loop:
            self._queue = TurnQueue(self.options.max_batch)
            self._worker = asyncio.create_task(self._batches(self._queue), name="asr-batcher")
        return self._queue

    async def _batches(self, queue: TurnQueue[_Request]) -> None:
        while True:
            chosen = await queue.batch(self.options.batch_wait)
            live = [r for r in chosen if not r.future.done()]
            if not live:
                continue
            started = time.monotonic()
            try:
                results = await self._pool.asr(functools.partial(self.decode_batch, live))
            except Exception as err:
                error = RecognitionError("asr-failed", f"speech recognition failed: {err}")
                for request in live:
                    if not request.future.done():
                        request.future.set_exception(error)
                continue
            decoded = time.monotonic() - started
            for request, result in zip(live, results, strict=True):
                if request.future.done():
                    continue
                if result is None:
                    request.future.set_exception(RecognitionError(
                        PARTIAL_DROPPED, "partial decode given up: no whole value in it"))
                else:
                    request.future.set_result(replace(
                        result, decode_seconds=round(decoded, 3),
                        queue_seconds=round(started - request.arrived, 3)))

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    # -- the blocking work (runs in the ASR pool) --

    def _features(self, audio: np.ndarray) -> np.ndarray:
        """Log-mel features of the utterance followed by real silence up to its window.

        Padding the audio (not the features) matters: zeros in log-mel space are not silence,
        and decoding over them makes Whisper repeat itself.
        """
        frames = audio.size // 160 + self.options.margin_frames
        padding = self._window(frames) * 160 - audio.size + 160
        mel: np.ndarray = self.features(audio.astype(np.float32, copy=False), padding=padding)
        return mel

    def _prompt(self, hints: Hints) -> list[int]:
        words = hints.prompt or ", ".join(hints.phrases)
        if hints.expect == "postcode" and hints.phrases:
            # The list alone makes Whisper write a bare postcode, dropping "It's" or "My
            # postcode is"; two sentences that say one keep the words around it. Their
            # postcodes are no one's: one heard in half a postcode never makes it whole.
            words = f"{words}. It's AB1 2CD. My postcode is ZZ9 9ZZ."
        prompt: list[int] = []
        if words:
            encoded = self.tokenizer.encode(" " + words.strip())
            prompt = [self.tokenizer.sot_prev, *encoded[-(223 - 4):]]
        return [*prompt, *self._start(hints.language), self.tokenizer.no_timestamps]

    def _start(self, language: str) -> tuple[int, ...]:
        """The decoder's start tokens for ``language`` (Whisper base knows ``cy``)."""
        if language not in self._tokenizers and self.model.is_multilingual:
            self._tokenizers[language] = Tokenizer(self.tokenizer.tokenizer, True,
                                                   task="transcribe", language=language)
        return tuple(self._tokenizers.get(language, self.tokenizer).sot_sequence)

    def _window(self, frames: int) -> int:
        if not self.options.fitted_window:
            return FULL_WINDOW
        step = self.options.round_frames
        return min(FULL_WINDOW, max(step, math.ceil(frames / step) * step))

    def _max_tokens(self, seconds: float) -> int:
        wanted = self.options.min_tokens + self.options.tokens_per_second * seconds
        return int(min(self.options.max_tokens, wanted))

    def decode_batch(self, requests: list[_Request]) -> list[Transcript | None]:
        """Decode together; items that run away are redone alone on the full window.

        A partial decode is given up (None) when it ran away or holds no whole postcode yet:
        it could not end the turn early, so it is not worth a redo or a rescoring, and the
        final decode is made afresh.

        An account number is decoded apart, restricted to digits and a few words; a postcode
        or account number is then weighed against the valid ones (``speech/expected.py``),
        an account decode that holds no valid number is searched for among them
        (``speech/value_search.py``), and one with no figure at all is decoded freely.
        """
        started = time.perf_counter()
        transcripts: list[Transcript | None] = [None] * len(requests)
        for (digits, _), group in _groups(requests).items():
            done = self._decode_group([requests[i] for i in group], digits)
            for index, transcript in zip(group, done, strict=True):
                transcripts[index] = transcript
        took = time.perf_counter() - started
        return [
            None if t is None else replace(t, audio_seconds=r.seconds, decode_seconds=took)
            for t, r in zip(transcripts, requests, strict=True)
        ]

    def _decode_group(self, requests: list[_Request], digits: bool
                      ) -> list[Transcript | None]:
        suppress = self._digit_suppression() if digits else [-1]
        window = max(self._window(r.features.shape[-1]) for r in requests)
        decoded = self._generate(requests, window, suppress)
        transcripts: list[Transcript | None] = []
        for request, (transcript, tokens, encoded) in zip(requests, decoded, strict=True):
            restart = trim_restart(transcript.text)
            trimmed = said_once(restart)
            # the words said again from their start, not one word echoed ("callback, callback,
            # callback" was the prompt's list recited, not a caller's answer)
            restarted = restart != transcript.text and trimmed == restart and len(
                restart.split()) >= 2
            if trimmed != transcript.text:
                transcript = replace(transcript, text=trimmed)
            if window < FULL_WINDOW and self._ran_away(transcript.text, tokens, request):
                listed = first_listed_value(transcript.text, request.expect, request.partial)
                if listed is not None:  # the prompt's list continued after the caller's value
                    transcript = replace(transcript, text=listed)
                elif request.partial:
                    transcripts.append(None)
                    continue
                elif restarted and not self._ran_away(transcript.text, 0, request):
                    # It only said the caller's words again ("leave a message, leave a
                    # message, leave a"): the first saying stands, and no 30 s decode is spent.
                    _LOGGER.debug("short-window decode said it again; kept %r", trimmed)
                else:
                    _LOGGER.info("short-window decode ran away (%r); redoing on 30 s window",
                                 transcript.text[:60])
                    transcript, _, encoded = self._generate([request], FULL_WINDOW, suppress)[0]
            if request.partial and not whole_shaped(transcript.text, request.expect):
                transcripts.append(None)  # not a whole value yet: no rescoring for a partial
                continue
            if request.partial and not self._said_in_the_voice(request, encoded, transcript):
                transcripts.append(None)  # finished from the prompt's list, in the pause
                continue
            if request.expect in RESCORED and request.candidates and encoded.size:
                transcript = self._rescorer.best(encoded, request.prompt, transcript,
                                                 request.candidates, request.expect)
                transcript = self._found_number(request, encoded, transcript)
            if digits and not any(c.isdigit() for c in transcript.text):
                transcript = self._words_instead(request, window, transcript)
            if request.weigh and encoded.size:
                transcript = self._weighed(request, encoded, transcript)
            transcripts.append(transcript)
        return transcripts

    def _said_in_the_voice(self, request: _Request, encoded: np.ndarray,
                           transcript: Transcript) -> bool:
        """A partial's spelled value was said before the pause, not written in it
        (``speech/alignment.py``); a decode whose encoded audio was not kept is not judged."""
        if request.expect not in SPELLED or not encoded.size or not transcript.text.strip():
            return True
        said = said_before_the_pause(self.model, self.tokenizer, encoded, request.prompt,
                                     transcript.text, request.seconds, request.pause,
                                     request.expect)
        if not said:
            _LOGGER.debug("partial %r: its last piece lies in the pause (%.2f s of audio, "
                          "%.2f s of pause)", transcript.text, request.seconds, request.pause)
        return said

    def _found_number(self, request: _Request, encoded: np.ndarray, transcript: Transcript
                      ) -> Transcript:
        """An account number the decode lost, searched for among the valid ones (the
        transcript as it was when none was lost, or none is supported well enough)."""
        if not self.options.search_lost_numbers or request.expect != "account":
            return transcript
        tree = ValueTree.of(request.candidates)
        if not lost_number(transcript.text, tree, request.voiced):
            return transcript
        return self._search.recover(encoded, request.prompt, transcript, tree)

    def _words_instead(self, request: _Request, window: int, digits_only: Transcript
                       ) -> Transcript:
        """A free decode, taken when it holds no digit and is surer than the digits-only one,
        which wrote no figure: a caller asked for an account number may say something else
        ("I haven't got it", "can I speak to someone"), which the digits-only decode turns
        into "Oh, my, my" or "the one" (measured on the tuning voices). A number, even in
        pieces, is written in figures, so this costs nothing while one is spelled out."""
        free, tokens, _ = self._generate([request], window, [-1])[0]
        text = said_once(trim_restart(free.text))
        if (not text or holds_digits(text) or self._ran_away(text, tokens, request)
                or free.confidence <= digits_only.confidence):
            return digits_only
        return replace(free, text=text)

    def _weighed(self, request: _Request, encoded: np.ndarray, transcript: Transcript
                 ) -> Transcript:
        """``transcript`` with how much likelier its text is than the reading to weigh. A beam
        of a few loses a reading it would have scored higher (unprompted, "Tube.." at -9.7
        where the "2" a primed decode heard scored -5.1), so the two are scored alike here."""
        if not transcript.text.strip():
            return transcript
        if transcript.text.strip() == request.weigh:
            return replace(transcript, reading_gap=0.0)
        own, reading = self._rescorer.scores(encoded, request.prompt,
                                             [transcript.text, request.weigh])
        return replace(transcript, reading_gap=round(own - reading, 3))

    def _digit_suppression(self) -> list[int]:
        if self._digits_only is None:
            self._digits_only = digits_only_suppression(self.tokenizer)
        return self._digits_only

    def _generate(self, requests: list[_Request], window: int, suppress: list[int]
                  ) -> list[tuple[Transcript, int, np.ndarray]]:
        """Best transcript, its token count and the encoded audio for each request."""
        mels = np.stack([_fit(r.features, window) for r in requests])
        encoded = self.model.encode(ctranslate2.StorageView.from_array(np.ascontiguousarray(mels)))
        # CTranslate2 counts the prompt in max_length, so the bound is on top of the longest.
        max_tokens = max(self._max_tokens(r.seconds) for r in requests) + max(
            len(r.prompt) for r in requests)
        results = self.model.generate(
            encoded,
            [r.prompt for r in requests],
            beam_size=self.options.beam_size,
            num_hypotheses=min(self.options.hypotheses, self.options.beam_size),
            max_length=max_tokens,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=suppress,
        )
        rescored = any((r.expect in RESCORED and r.candidates) or r.weigh for r in requests)
        # The encoded audio is kept (as host memory) only when a value will be rescored, or
        # a reading weighed.
        rows = np.asarray(encoded) if rescored and self.model.device == "cpu" else None
        transcripts = []
        for index, result in enumerate(results):
            texts = [self._text(ids) for ids in result.sequences_ids]
            lengths = [max(1, len(ids)) for ids in result.sequences_ids]
            best = texts[0] if texts else ""
            score = result.scores[0] if result.scores else -10.0
            alternatives = tuple(dict.fromkeys(t for t in texts[1:] if t and t != best))
            transcript = Transcript(
                text=best,
                confidence=float(math.exp(min(0.0, score))),
                no_speech_probability=float(result.no_speech_prob),
                alternatives=alternatives,
            )
            kept = rows[index : index + 1] if rows is not None else np.zeros(0, np.float32)
            transcripts.append((transcript, lengths[0] if lengths else 0, kept))
        return transcripts

    def _text(self, ids: list[int]) -> str:
        return str(self.tokenizer.decode([i for i in ids if i < self.tokenizer.eot])).strip()

    def _ran_away(self, text: str, tokens: int, request: _Request) -> bool:
        """Signs that a short window made the decoder loop: the bound hit, repetition, or
        far more words than the audio could hold."""
        if not text:
            return False
        if tokens >= self._max_tokens(request.seconds) - 1:
            return True
        encoded = text.encode("utf-8")
        if len(encoded) > 40 and len(encoded) / len(zlib.compress(encoded)) > 2.4:
            return True
        if repeats_itself(text) or stutters(text):
            return True
        return len(text.split()) > 6 + 7 * request.seconds


def _fit(features: np.ndarray, frames: int) -> np.ndarray:
    """Cut a (mels, n) feature matrix to ``frames`` columns, or extend it with silence.

    The last column is always silence (the audio was padded), so it is what gets repeated.
    """
    have = features.shape[-1]
    if have >= frames:
        return features[:, :frames]
    pad = np.repeat(features[:, -1:], frames - have, axis=1)
    return np.concatenate([features, pad], axis=1)


def _plain_words(text: str) -> list[str]:
    return ["".join(c for c in word if c.isalnum()) for word in text.lower().split()]


def trim_restart(text: str) -> str:
    """Cut a decode that finished and then started the sentence again.

    On a short window Whisper sometimes reads the utterance twice ("Can I speak to a person,
    please? Can I speak to a person,"): when the words start over from the beginning, only the
    first reading is kept.
    """
    words = _plain_words(text)
    original = text.split()
    for start in range(2, len(words) - 1):
        run = 0
        while start + run < len(words) and words[run] == words[start + run]:
            run += 1
        wordy = sum(1 for w in words[:run] if w.isalpha()) >= 2  # digits may repeat for real
        # started again to the end, a word among the figures ("It's 4002 5985. It's 4002")
        again = run >= 2 and start + run == len(words) and any(w.isalpha() for w in words[:run])
        if again or (wordy and (run >= 3 or start + run == len(words))):
            return " ".join(original[:start])
    return text


def said_once(text: str) -> str:
    """A decode that is one word over and over ("go go", "operator operator", "5 5 5") is
    that word once: on a short clip Whisper echoes a lone word far more often than callers
    repeat one, and a repeated yes or no means the same."""
    words = text.split()
    plain = _plain_words(text)
    if len(plain) >= 2 and plain[0] and all(w == plain[0] for w in plain):
        return words[0].rstrip(",") + ("." if text.rstrip().endswith(".") else "")
    return text


def stutters(text: str) -> bool:
    """One word said three times running ("a7 a7 a7", "stop stop stop"), or one digit six
    times (an account number may hold "0 0 0 0", not much more)."""
    words = _plain_words(text)
    run = 1
    for previous, word in itertools.pairwise(words):
        run = run + 1 if word == previous and word else 1
        if run >= (6 if len(word) == 1 else 3):
            return True
    return False


def repeats_itself(text: str, min_words: int = 3) -> bool:
    """True when a run of at least ``min_words`` words is said again (a looping decode)."""
    words = _plain_words(text)
    for size in range(min_words, len(words) // 2 + 1):
        seen = set()
        for start in range(len(words) - size + 1):
            gram = tuple(words[start : start + size])
            if sum(1 for w in gram if w.isalpha()) < 2:
                continue  # account numbers and postcodes may repeat digits for real
            if (gram in seen and size >= 4) or (
                words[start : start + size] == words[start + size : start + 2 * size]
            ):
                return True
            seen.add(gram)
    return False
