"""Postcodes and account numbers spelled out slowly, with long pauses, by voices outside the
caller corpus: is the value heard as one turn?

A tuning set, not a held-out one: made to check how the end of turn treats pieces of a value
the VAD barely hears (a slow voice's "one" scored 0.01 at -19 dBFS; the start of "two" 0.2),
in voices, splits and pauses that are in no part of ``bench/callers.py`` (so the held-out part
there stays unseen). Each value goes down a phone line (``bench/line.py``, two conditions per
value, rotating through long leading silence, low level, noise at 15 dB SNR and lost frames)
and through the real listener and Whisper with the question's hints. Reports turns split in
two, values right (the product's way) and end-of-turn delay.

    .venv/bin/python bench/spelled_values.py        # accuracy only: flock -s is enough
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.callers import Phrase, Voice, say_phrase
from bench.hearing import hear
from bench.line import BY_NAME, on_the_line
from bench.questions import hints_by_kind
from bench.scoring import score
from voicebot.config import load_settings
from voicebot.speech.engines import SpeechEngines

VOICES = [Voice("gb-m4-slow", "espeak", "en-gb+m4", 110, 45),
          Voice("scotland-f1-slow", "espeak", "en-gb-scotland+f1", 120, 60),
          Voice("us-m2-slow", "espeak", "en-us+m2", 115, 40),
          Voice("westmids-slow", "espeak", "en-gb-x-gbcwmd", 125, 50),
          Voice("rp-f2", "espeak", "en-gb-x-rp+f2", 130, 65),
          Voice("lancaster-m6", "espeak", "en-gb-x-gbclan+m6", 135, 35),
          Voice("piper-joe-slower", "piper", "1.5")]
VALUES = [Phrase("H X ... one ... two P L", "postcode", "HX1 2PL", pause=1.2),
          Phrase("W F one ... three ... A B", "postcode", "WF1 3AB", pause=1.3),
          Phrase("L S ... six two ... Q T", "postcode", "LS6 2QT", pause=1.1),
          Phrase("Y O one seven ... D A", "postcode", "YO1 7DA", pause=1.4),
          Phrase("S K four one ... A A", "postcode", "SK4 1AA", pause=1.0),
          Phrase("B S ... three four H G", "postcode", "BS3 4HG", pause=1.2),
          Phrase("four oh oh ... three zero four ... five three", "account", "40030453",
                 pause=1.2),
          Phrase("four zero ... zero four ... zero five ... zero six", "account", "40040506",
                 pause=1.0)]
CONDITIONS = ["lead-10s", "loss-1%", "loss-3%", "white-15dB", "comfort-15dB", "level-35dB"]


async def main() -> None:
    engines = SpeechEngines.load(load_settings())
    hints = await hints_by_kind({"postcode", "account"})
    split = right = 0
    delays: list[float] = []
    print("| voice | line | value | turns | right |\n| --- | --- | --- | --- | --- |")
    for v, voice in enumerate(VOICES):
        for p, phrase in enumerate(VALUES):
            for c in (0, len(CONDITIONS) // 2):
                condition = CONDITIONS[(v + p + c) % len(CONDITIONS)]
                line = on_the_line(say_phrase(voice, phrase), BY_NAME[condition],
                                   f"{voice.name}|{phrase.text}")
                hearing = await hear(engines.vad, engines.recognizer, line.frames,
                                     hints[phrase.kind])
                result = score(hearing, line, phrase.reference, phrase.kind, phrase.value)
                split += result.split
                right += bool(result.value_right)
                if result.end_delay is not None:
                    delays.append(result.end_delay)
                turns = " / ".join(repr(t.text) for t in hearing.turns)
                print(f"| {voice.name} | {condition} | {phrase.value} | {turns} | "
                      f"{'yes' if result.value_right else 'no'} |", flush=True)
    total = len(VOICES) * len(VALUES) * 2
    print(f"\nSpelled values: {total}; split across turns {split}; right {right}; "
          f"end-of-turn delay p50 {np.percentile(delays, 50):.2f} s, "
          f"p95 {np.percentile(delays, 95):.2f} s")
    engines.pool.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
