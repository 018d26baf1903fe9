"""Recorded prompts: read, checked and made ready to play when the flows are loaded.

A council's recordings come from a studio, a phone app or a laptop microphone: any sample rate,
mono or stereo, any level. Each file is checked (readable PCM WAV, at least telephone quality,
not clipped, has speech in it), mixed to mono, trimmed of the silence around the words,
converted to one rate and brought to the level of the synthetic voice of its language, so a
recorded sentence followed by a synthesised date sounds like one speaker at one volume.
A problem comes back with the file, for ``voicebot flows check`` to show with its place.
"""

from __future__ import annotations

import logging
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np

from voicebot.audio import resample
from voicebot.speech.levels import FRAME_SECONDS, frame_levels, gain_to, voiced
from voicebot.speech.prompt_book import Clip, PromptBook

_LOGGER = logging.getLogger(__name__)

BOOK_RATE = 16_000
"""The rate recordings are kept at: above the telephone's 8 kHz, below a studio's 48 kHz."""
LOWEST_RATE = 8_000
CLIPPED_RUN = 4
"""Consecutive samples at full scale that mean the recording was clipped."""
LEAD_SECONDS = 0.04
TAIL_SECONDS = 0.12
"""Silence kept before and after the words, so recorded parts join values without gaps."""
REFERENCE_LEVEL = -17.5
"""Active speech level (dBFS) of the packaged voice en_US-joe-medium, measured by
``bench/prompt_levels.py``; used when no voice is loaded (``voicebot flows check``)."""


class RecordingError(ValueError):
    """A recording that cannot be used; the message says what to do about it."""


class Recorded(Protocol):
    """A prompt said from recordings (``voicebot.flows.prompts.Recording`` has this shape)."""

    @property
    def language(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def files(self) -> tuple[Path, ...]: ...


R = TypeVar("R", bound=Recorded)


@dataclass(frozen=True)
class Audio:
    """A checked recording: mono float32 at ``BOOK_RATE``, at the voice's level."""

    samples: np.ndarray
    source_rate: int
    level: float


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples and the file's rate; ``RecordingError`` when it can't be used."""
    try:
        with wave.open(str(path), "rb") as wav:
            rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
            raw = wav.readframes(wav.getnframes())
    except FileNotFoundError as err:
        raise RecordingError(f"recording {path} is missing") from err
    except (OSError, wave.Error, EOFError) as err:
        raise RecordingError(f"recording {path} is not a readable PCM WAV file ({err}); "
                             "export it as 16-bit PCM WAV") from err
    samples = _pcm_to_float(raw, width)
    if channels > 1:
        samples = samples[: len(samples) - len(samples) % channels].reshape(-1, channels)
        samples = samples.mean(axis=1).astype(np.float32)
    return samples, rate


def _pcm_to_float(raw: bytes, width: int) -> np.ndarray:
    if width == 1:
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    if width == 2:
        return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if width == 3:
        bytes3 = np.frombuffer(raw[: len(raw) - len(raw) % 3], dtype=np.uint8).reshape(-1, 3)
        joined = (bytes3[:, 0].astype(np.int32) | bytes3[:, 1].astype(np.int32) << 8
                  | bytes3[:, 2].astype(np.int32) << 16)
        signed = np.where(joined >= 1 << 23, joined - (1 << 24), joined)
        return (signed / float(1 << 23)).astype(np.float32)
    if width == 4:
        return (np.frombuffer(raw, dtype="<i4") / float(1 << 31)).astype(np.float32)
    raise RecordingError(f"{width * 8}-bit samples are not supported; use 16-bit PCM WAV")


def clipped_places(samples: np.ndarray) -> int:
    """How many runs of ``CLIPPED_RUN`` or more samples sit at full scale."""
    at_top = np.abs(samples) >= 0.999
    if not at_top.any():
        return 0
    edges = np.diff(np.concatenate([[0], at_top.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return int(np.count_nonzero(ends - starts >= CLIPPED_RUN))


def prepare(path: Path, target_dbfs: float) -> Audio:
    """Read, check, trim, convert and level one recording."""
    samples, rate = read_wav(path)
    if rate < LOWEST_RATE:
        raise RecordingError(f"recording {path} is at {rate} Hz; record at 8 kHz or more "
                             "(16, 44.1 or 48 kHz are all fine)")
    if (places := clipped_places(samples)) > 0:
        raise RecordingError(f"recording {path} is clipped in {places} place(s) (too loud "
                             "for the microphone); record it again a little quieter")
    mask = voiced(frame_levels(samples, rate))
    if not mask.any():
        raise RecordingError(f"recording {path} has no speech in it (silent or nearly so)")
    frame = int(rate * FRAME_SECONDS)
    first, last = int(np.argmax(mask)), len(mask) - int(np.argmax(mask[::-1]))
    start = max(0, first * frame - int(LEAD_SECONDS * rate))
    samples = samples[start: min(len(samples), last * frame + int(TAIL_SECONDS * rate))]
    converted = resample(samples, rate, BOOK_RATE)
    levelled, level = gain_to(converted, BOOK_RATE, target_dbfs)
    if abs(level - target_dbfs) > 1.5:
        _LOGGER.warning("recording %s reaches %.1f dBFS, the voice %.1f: its peaks are far "
                        "louder than its speech", path, level, target_dbfs)
    return Audio(levelled, rate, level)


Levels = Callable[[str], float]
"""Language -> the active speech level (dBFS) of that language's synthetic voice."""


def load_book(recorded: Sequence[R], level: Levels = lambda _: REFERENCE_LEVEL
              ) -> tuple[PromptBook, list[tuple[R, str]]]:
    """Every recording made ready (blocking: run at start-up or in the reload thread)."""
    book = PromptBook()
    problems: list[tuple[R, str]] = []
    loaded: dict[Path, Audio] = {}
    for prompt in recorded:
        clips = []
        for file in prompt.files:
            try:
                audio = loaded.get(file) or prepare(file, level(prompt.language))
            except RecordingError as err:
                problems.append((prompt, str(err)))
                continue
            loaded[file] = audio
            clips.append(Clip(str(file), audio.samples, BOOK_RATE))
        if len(clips) == len(prompt.files):
            book.add(prompt.language, prompt.text, clips)
    if recorded:
        _LOGGER.info("recorded prompts: %d ready from %d file(s)", len(book), len(loaded))
    return book, problems
