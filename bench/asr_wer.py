"""ASR accuracy and speed on telephone-band speech.

Council-style utterances spoken by several local voices (Piper at three speeds, espeak-ng
accents when installed) and the real recordings in ../shared/speech/, all through 8 kHz mu-law.
Reports word error rate, exact postcode/account-number accuracy after the product's own
normalisation, and decode speed, for the fitted window and for stock 30 s windows.

    .venv/bin/python bench/asr_wer.py [--limit N] [--stock]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.voices import Voice, all_voices, phone
from voicebot.audio import pcm16_to_float, resample
from voicebot.config import load_settings
from voicebot.council.data import CouncilData
from voicebot.language import spoken
from voicebot.speech.base import Hints
from voicebot.speech.engines import SpeechEngines
from voicebot.speech.whisper import DecodeOptions, WhisperRecognizer

SHARED = Path(__file__).resolve().parents[2] / "shared" / "speech"

# (what is said, expected words, kind, expected value for postcode/account)
UTTERANCES: list[tuple[str, str, str, str]] = [
    ("When is my bin collected?", "when is my bin collected", "request", ""),
    ("My recycling wasn't emptied this morning.", "my recycling wasnt emptied this morning",
     "request", ""),
    ("I want to know how much council tax I owe.", "i want to know how much council tax i owe",
     "request", ""),
    ("Can I speak to a person please?", "can i speak to a person please", "request", ""),
    ("How do I pay my council tax?", "how do i pay my council tax", "request", ""),
    ("I'm moving house next month.", "im moving house next month", "request", ""),
    ("The garden waste bin was missed.", "the garden waste bin was missed", "request", ""),
    ("Yes, that's right.", "yes thats right", "yes_no", ""),
    ("No, that's wrong.", "no thats wrong", "yes_no", ""),
    ("It's L S 6, 2 Q T.", "its ls6 2qt", "postcode", "LS6 2QT"),
    ("My postcode is M 14, 5 R N.", "my postcode is m14 5rn", "postcode", "M14 5RN"),
    ("B S 3, 4 H G.", "bs3 4hg", "postcode", "BS3 4HG"),
    ("Y O 1, 7 D A.", "yo1 7da", "postcode", "YO1 7DA"),
    ("My account number is 4 0 0 1 9 2 8 3.", "my account number is 40019283", "account",
     "40019283"),
    ("It's 5 1 2 3 4 4 7 8.", "its 51234478", "account", "51234478"),
    ("Number 7 Hawthorn Close.", "number 7 hawthorn close", "address", ""),
]


def words(text: str) -> list[str]:
    """Words for scoring: spoken digits as digits on both sides ("one zero" = "10")."""
    text = spoken.words_to_digits(text.lower().replace("'", ""))
    text = re.sub(r"(?<=\d)[\s-]+(?=\d)", "", text)  # digit groups read as one number
    text = re.sub(r"\b([a-z]{1,2}\d{1,2}[a-z]?)[\s-]*(\d[a-z]{2})\b", r"\1 \2", text)
    return re.findall(r"[a-z0-9]+", text)


def edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


COUNCIL = CouncilData.load(Path(__file__).resolve().parent.parent / "seeds")


def hints_for(kind: str) -> Hints:
    """The hints the product gives the recogniser when it asks for this kind of answer."""
    if kind == "postcode":
        codes = tuple(COUNCIL.postcodes)
        return Hints(expect="postcode", phrases=codes, prompt=", ".join(codes))
    return Hints(expect=kind if kind in {"account", "yes_no"} else None)


def extract(kind: str, text: str, alternatives: tuple[str, ...]) -> str:
    """The postcode or account number, the way the product reads it: normalised, and for
    postcodes matched against the council's own (a fuzzy match is then confirmed)."""
    heard = [spoken.normalise(t) for t in (text, *alternatives)]
    if kind == "postcode":
        found, _ = COUNCIL.match_postcode(heard)
        return found or ""
    return spoken.digits_in(heard[0])


def shared_recordings() -> list[tuple[str, np.ndarray, str]]:
    expected_file = SHARED / "expected.yaml"
    if not expected_file.is_file():
        return []
    from faster_whisper.audio import decode_audio

    expected = yaml.safe_load(expected_file.read_text())
    items = []
    for name, text in expected.items():
        audio = decode_audio(str(SHARED / name), sampling_rate=16000)
        pcm = phone(audio, 16000)
        items.append((f"shared/{name}", resample(pcm16_to_float(pcm), 8000, 16000), text))
    return items


async def measure(recognizer: WhisperRecognizer, items: list[tuple[str, np.ndarray, str, str,
                  str]], label: str) -> None:
    errors = total = 0
    exact = {"postcode": [0, 0], "account": [0, 0]}
    started = time.perf_counter()
    seconds = 0.0
    worst: list[tuple[float, str, str]] = []
    by_voice: dict[str, list[int]] = {}
    for voice, audio, reference, kind, value in items:
        result = await recognizer.transcribe(audio, hints_for(kind))
        seconds += audio.size / 16000
        ref, hyp = words(reference), words(result.text)
        distance = edit_distance(ref, hyp)
        errors += distance
        total += len(ref)
        tally = by_voice.setdefault(voice.split("/")[0], [0, 0])
        tally[0] += distance
        tally[1] += len(ref)
        if distance:
            worst.append((distance / max(1, len(ref)), voice, result.text))
        if kind in exact:
            exact[kind][1] += 1
            exact[kind][0] += extract(kind, result.text, result.alternatives) == value
    took = time.perf_counter() - started
    print(f"\n== {label}: {len(items)} utterances, {seconds:.0f} s of audio, {took:.1f} s")
    print(f"WER {errors / max(1, total):.3f}   utterances/s {len(items) / took:.2f}   "
          f"RTF {took / seconds:.3f}")
    for kind, (right, count) in exact.items():
        if count:
            print(f"{kind:9} exactly right {right}/{count} = {right / count:.1%}")
    print("WER by voice: " + ", ".join(f"{v} {e / max(1, n):.2f}" for v, (e, n) in
                                       by_voice.items()))
    for rate, voice, text in sorted(worst, reverse=True)[:5]:
        print(f"  worst {rate:.2f} {voice}: {text!r}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=0, help="utterances per voice")
    parser.add_argument("--stock", action="store_true", help="also measure the 30 s window")
    args = parser.parse_args()
    voices: dict[str, Voice] = all_voices()
    items = []
    for name, voice in voices.items():
        for text, reference, kind, value in UTTERANCES[: args.limit or None]:
            audio = resample(pcm16_to_float(voice(text)), 8000, 16000)
            items.append((name, audio, reference, kind, value))
    for name, audio, text in shared_recordings():
        items.append((name, audio, text, "shared", ""))
    print(f"voices: {', '.join(voices)}; shared recordings: "
          f"{sum(1 for i in items if i[3] == 'shared')}")
    engines = SpeechEngines.load(load_settings())
    await measure(engines.recognizer, items, "fitted window (the product's setting)")
    if args.stock:
        stock = WhisperRecognizer(engines.paths.whisper_dir, engines.device, engines.pool,
                                  DecodeOptions(fitted_window=False))
        await measure(stock, items, "stock 30 s window")


if __name__ == "__main__":
    asyncio.run(main())
