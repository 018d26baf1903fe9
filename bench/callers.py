"""A corpus of callers the bot has never met: voices, phrases and what the line does to them.

Voices: espeak-ng in six English accents with its voice variants at several speeds and pitches,
Piper joe (the bot's own voice, counted once), and the real recordings in
``../shared/speech/real/`` when present. Phrases run from one-word answers to long requests,
and postcodes and account numbers spelled out with pauses (each piece synthesised on its own
and joined by silence, as a caller reading from a letter does). Audio is made at run time and
cached under ``bench/.cache/`` (git-ignored); nothing large is committed.

Each voice and each phrase is either for tuning or held out; anything with a held-out voice or
a held-out phrase (and every real recording) is reported apart, as figures nothing was tuned on.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from voicebot.audio import pcm16_to_float, resample

CACHE = Path(__file__).resolve().parent / ".cache" / "callers"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "speech"
RATE = 8000
PAUSE = "..."
"""Marks a pause in a phrase: the pieces either side are synthesised apart and joined by it."""


@dataclass(frozen=True)
class Phrase:
    """What a caller says; ``kind`` picks the bot's question, ``value`` the expected slot."""

    text: str
    kind: str
    """``word``, ``request``, ``yes_no`` (asked at the menu or a yes/no question), ``postcode``
    or ``account`` (asked for that slot)."""
    value: str = ""
    held_out: bool = False
    pause: float = 0.9

    @property
    def pieces(self) -> list[str]:
        return [p.strip(" ,") for p in self.text.split(PAUSE) if p.strip(" ,")]

    @property
    def reference(self) -> str:
        return ", ".join(self.pieces)


def _p(text: str, kind: str, value: str = "", pause: float = 0.9) -> Phrase:
    return Phrase(text, kind, value, False, pause)


def _h(text: str, kind: str, value: str = "", pause: float = 0.9) -> Phrase:
    return Phrase(text, kind, value, True, pause)


PHRASES: list[Phrase] = [
    _p("Yes.", "yes_no"), _p("No.", "yes_no"), _p("Agent.", "word"), _p("Zero.", "word"),
    _p("Council tax balance.", "request"), _p("Bin collection day please.", "request"),
    _p("When will my recycling be picked up?", "request"),
    _p("My rubbish wasn't collected this week.", "request"),
    _p("Hello, can you tell me when my bins are collected?", "request"),
    _p("I'd like to pay my council tax.", "request"),
    _p("L S six ... two Q T", "postcode", "LS6 2QT", 0.9),
    _p("M fourteen ... five R N", "postcode", "M14 5RN", 1.1),
    _p("B S three ... four H G", "postcode", "BS3 4HG", 0.7),
    _p("It's L S six, three H N.", "postcode", "LS6 3HN"),
    _p("Y O one ... seven D A", "postcode", "YO1 7DA", 1.2),
    _p("four oh oh one ... nine two eight three", "account", "40019283", 0.9),
    _p("four zero zero two ... zero four zero zero", "account", "40020400", 1.1),
    _p("My account number is four zero zero two one five one seven.", "account", "40021517"),
    _h("Yeah.", "yes_no"), _h("Nope.", "yes_no"), _h("Operator.", "word"), _h("Nine.", "word"),
    _h("Missed bin.", "request"), _h("How much do I owe on my council tax?", "request"),
    _h("Hiya, the bin men didn't come down our street today.", "request"),
    _h("Can I talk to somebody about my bill please?", "request"),
    _h("When is the garden waste going?", "request"),
    _h("I'm ringing about my council tax, I've moved house.", "request"),
    _h("H X one ... two P L", "postcode", "HX1 2PL", 1.0),
    _h("S K four ... one A A", "postcode", "SK4 1AA", 0.8),
    _h("It's ... W F one ... three A B", "postcode", "WF1 3AB", 0.8),
    _h("My postcode is L S six, two Q T.", "postcode", "LS6 2QT"),
    _h("Y O one, seven D A.", "postcode", "YO1 7DA"),
    _h("four double oh two ... two six three four", "account", "40022634", 1.0),
    _h("four oh ... oh two ... four eight ... six eight", "account", "40024868", 0.8),
    _h("It's four zero zero two five nine eight five.", "account", "40025985"),
]


@dataclass(frozen=True)
class Voice:
    """A synthetic caller: ``engine`` is ``espeak`` or ``piper``."""

    name: str
    engine: str
    voice: str
    speed: int = 160
    pitch: int = 50
    held_out: bool = False
    own: bool = False
    """The bot's own voice (Piper joe): proves little on its own."""


VOICES: list[Voice] = [
    Voice("espeak-gb", "espeak", "en-gb", 150, 50),
    Voice("espeak-scotland-f2", "espeak", "en-gb-scotland+f2", 140, 60),
    Voice("espeak-us-m3", "espeak", "en-us+m3", 175, 45),
    Voice("piper-joe", "piper", "1.0", own=True),
    Voice("espeak-rp-f4", "espeak", "en-gb-x-rp+f4", 160, 70, held_out=True),
    Voice("espeak-lancaster", "espeak", "en-gb-x-gbclan", 130, 40, held_out=True),
    Voice("espeak-westmids-m7", "espeak", "en-gb-x-gbcwmd+m7", 165, 55, held_out=True),
    Voice("espeak-us-f3", "espeak", "en-us+f3", 145, 75, held_out=True),
    Voice("espeak-scotland-fast", "espeak", "en-gb-scotland", 185, 35, held_out=True),
    Voice("espeak-rp-slow-low", "espeak", "en-gb-x-rp+m2", 120, 25, held_out=True),
    Voice("piper-joe-slow", "piper", "1.3", held_out=True, own=True),
]


@dataclass(frozen=True)
class Utterance:
    """One clean recording at 8 kHz (float), before the line does anything to it."""

    voice: str
    phrase: Phrase
    audio: np.ndarray
    held_out: bool
    own_voice: bool = False
    real: bool = False


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(voice: Voice, text: str) -> np.ndarray:
    """``text`` in ``voice``, at 8 kHz, cached on disk (synthesis is deterministic)."""
    key = hashlib.sha256(f"{voice}|{text}".encode()).hexdigest()[:20]
    path = CACHE / voice.name / f"{key}.npy"
    if path.is_file():
        cached: np.ndarray = np.load(path)
        return cached
    audio = _espeak(voice, text) if voice.engine == "espeak" else _piper(voice, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, audio)
    return audio


def _espeak(voice: Voice, text: str) -> np.ndarray:
    """``text`` may be SSML (``<speak>...</speak>``), for a break inside one breath group."""
    markup = ["-m"] if text.lstrip().startswith("<speak>") else []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "said.wav"
        subprocess.run(["espeak-ng", *markup, "-v", voice.voice, "-s", str(voice.speed), "-p",
                        str(voice.pitch), "-w", str(path), text], check=True, capture_output=True)
        with wave.open(str(path)) as wav:
            rate, pcm = wav.getframerate(), wav.readframes(wav.getnframes())
    return resample(pcm16_to_float(pcm), rate, RATE)


_PIPER: dict[str, Callable[[str, float], np.ndarray]] = {}


def _piper(voice: Voice, text: str) -> np.ndarray:
    if "say" not in _PIPER:
        from piper import PiperVoice, SynthesisConfig

        from voicebot.config import load_settings
        from voicebot.speech.provision import model_paths

        model = PiperVoice.load(str(model_paths(load_settings()).piper_voice))

        def say(words: str, length: float) -> np.ndarray:
            config = SynthesisConfig(length_scale=length, noise_scale=0.0, noise_w_scale=0.0)
            raw = b"".join(c.audio_int16_bytes for c in model.synthesize(words, syn_config=config))
            return resample(pcm16_to_float(raw), model.config.sample_rate, RATE)

        _PIPER["say"] = say
    return _PIPER["say"](text, float(voice.voice))


def say_phrase(voice: Voice, phrase: Phrase) -> np.ndarray:
    """The phrase, its pieces joined by ``phrase.pause`` seconds of silence."""
    gap = np.zeros(int(phrase.pause * RATE), dtype=np.float32)
    parts: list[np.ndarray] = []
    for piece in phrase.pieces:
        if parts:
            parts.append(gap)
        parts.append(trim(speak(voice, piece)))
    return np.concatenate(parts)


def trim(audio: np.ndarray, below_db: float = 45.0) -> np.ndarray:
    """Cut leading and trailing near-silence (TTS pads its output)."""
    on, off = speech_span(audio, below_db)
    margin = int(0.02 * RATE)
    return audio[max(0, on - margin) : off + margin]


def speech_span(audio: np.ndarray, below_db: float = 40.0) -> tuple[int, int]:
    """First and last sample of 10 ms frames within ``below_db`` of the loudest frame."""
    step = RATE // 100
    frames = audio[: len(audio) // step * step].reshape(-1, step)
    level = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    loud = np.flatnonzero(level >= level.max() - below_db)
    return int(loud[0] * step), int((loud[-1] + 1) * step)


def synthetic(voices: list[Voice] | None = None,
              phrases: list[Phrase] | None = None) -> list[Utterance]:
    chosen = [v for v in (voices or VOICES) if v.engine != "espeak" or espeak_available()]
    return [Utterance(v.name, p, say_phrase(v, p), v.held_out or p.held_out, v.own)
            for v in chosen for p in (phrases or PHRASES)]


def real_recordings(limit: int | None = None) -> list[Utterance]:
    """The human recordings under ../shared/speech/real (none when it is absent)."""
    manifest = SHARED / "real" / "manifest.yaml"
    if not manifest.is_file():
        return []
    items = []
    for entry in yaml.safe_load(manifest.read_text())["files"][:limit]:
        with wave.open(str(SHARED / "real" / entry["file"])) as wav:
            rate, channels = wav.getframerate(), wav.getnchannels()
            audio = pcm16_to_float(wav.readframes(wav.getnframes()))[::channels]
        kind = "digits" if _all_digits(entry["text"]) else "request"
        phrase = Phrase(str(entry["text"]), kind, held_out=True)
        speaker = str(entry["file"]).split("_")[0]
        items.append(Utterance(f"real-{speaker}", phrase, resample(audio, rate, RATE),
                               held_out=True, real=True))
    return items


_DIGIT_WORDS = {"zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight",
                "nine", "double", "triple"}


def _all_digits(text: str) -> bool:
    return all(w in _DIGIT_WORDS for w in text.lower().replace(",", " ").split())
