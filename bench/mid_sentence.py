"""A request that pauses mid-sentence after words that already make a request: is it one turn,
and is a plain request still answered as quickly?

A tuning set, not a held-out one, in voices and phrasings in no part of ``bench/callers.py``
(whose "I'm ringing about my council tax, I've moved house." is held out). A caller says a
request, draws breath, and goes on ("I'm phoning about my bins ... they didn't take the
recycling."): the first words alone answer the opening question, so a turn that ends on the
breath acts on half of what was said, and the rest becomes a second turn. Each request is
said in one breath group by espeak-ng (SSML: the comma's rising tone, then a break of 0.35 s
or 0.6 s), on three lines; plain requests with no second part are said on the same lines, for
the end-of-turn delay a change to this must not lengthen.

    .venv/bin/python bench/mid_sentence.py        # accuracy and audio-time delays: flock -s
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.callers import Voice, speak, trim
from bench.hearing import hear
from bench.line import BY_NAME, on_the_line
from bench.questions import hints_by_kind
from bench.scoring import score
from voicebot.config import load_settings
from voicebot.speech.engines import SpeechEngines

VOICES = [Voice("gb-m4-150", "espeak", "en-gb+m4", 150, 40),
          Voice("scotland-m1-160", "espeak", "en-gb-scotland+m1", 160, 45),
          Voice("us-f5-170", "espeak", "en-us+f5", 170, 70),
          Voice("rp-m1-140", "espeak", "en-gb-x-rp+m1", 140, 35),
          Voice("gb-f2-165", "espeak", "en-gb+f2", 165, 60),
          Voice("wmids-m3-150", "espeak", "en-gb-x-gbcwmd+m3", 150, 45)]
GOING_ON = ["I'm phoning about my bins, | they didn't take the recycling.",
            "It's about council tax, | I've got a new address.",
            "My bin wasn't emptied, | can someone come back for it?",
            "I need to pay my council tax, | but I've lost the letter.",
            "Council tax please, | I think I've been charged twice.",
            "I want to report a missed bin, | it's the green one."]
PLAIN = ["Bin day please.", "I'd like to pay my council tax.", "When are my bins collected?",
         "My bin wasn't emptied."]
PAUSES = (0.35, 0.6)
CONDITIONS = ["lead-3s", "white-30dB", "comfort-15dB"]


def said(voice: Voice, text: str, pause: float) -> np.ndarray:
    """``text`` as one utterance, its ``|`` a break of ``pause`` seconds, at 8 kHz."""
    ssml = "<speak>" + text.replace("|", f'<break time="{int(pause * 1000)}ms"/>') + "</speak>"
    return trim(speak(voice, ssml))


async def main() -> None:
    engines = SpeechEngines.load(load_settings())
    hints = (await hints_by_kind({"request"}))["request"]
    split = total = 0
    delays: list[float] = []
    plain_delays: list[float] = []
    for voice in VOICES:
        for text in GOING_ON + PLAIN:
            for pause in PAUSES if "|" in text else (0.0,):
                audio = said(voice, text, pause)
                for condition in CONDITIONS:
                    line = on_the_line(audio, BY_NAME[condition], f"{voice.name}|{text}")
                    hearing = await hear(engines.vad, engines.recognizer, line.frames, hints)
                    result = score(hearing, line, text.replace(" |", ""), "request", "")
                    if "|" not in text:
                        if result.end_delay is not None:
                            plain_delays.append(result.end_delay)
                        continue
                    total += 1
                    if result.split or result.missed:
                        split += 1
                        print(f"  split: {voice.name} / {condition} / {pause} s: "
                              f"{[t.text for t in hearing.turns]}", flush=True)
                    elif result.end_delay is not None:
                        delays.append(result.end_delay)
    print(f"\nRequests going on after a pause: {total}; split in two {split}; end of turn "
          f"p50 {np.percentile(delays, 50):.2f} s, p95 {np.percentile(delays, 95):.2f} s")
    print(f"Plain requests: {len(plain_delays)}; end of turn p50 "
          f"{np.percentile(plain_delays, 50):.2f} s, p95 {np.percentile(plain_delays, 95):.2f} s")
    engines.pool.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
