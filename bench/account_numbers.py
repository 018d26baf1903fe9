"""Account numbers said by voices outside the caller corpus, with and without the search for a
lost number (``voicebot/speech/value_search.py``).

A tuning set, not a held-out one: it was made to choose how the search is triggered, in voices
and phrasings that are in no part of ``bench/callers.py`` (so the held-out part there stays
unseen). Each number goes down a phone line (``bench/line.py``: one of 10 s of leading
silence, white noise at 30 dB SNR, 1% of frames lost) and through the real listener and
Whisper with the account question's hints, twice: search off, then on. Sentences that hold no
number are heard at the same question, to count numbers made up and words kept.

    .venv/bin/python bench/account_numbers.py        # accuracy only: flock -s is enough
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.callers import Phrase, Voice, say_phrase
from bench.hearing import hear
from bench.line import BY_NAME, on_the_line
from bench.questions import hints_by_kind
from bench.scoring import score
from voicebot.config import load_settings
from voicebot.speech.base import Hints
from voicebot.speech.engines import SpeechEngines
from voicebot.speech.expected import holds_one_of
from voicebot.speech.whisper import WhisperRecognizer

VOICES = [Voice("gb-mid", "espeak", "en-gb", 150, 60),
          Voice("scotland-m3", "espeak", "en-gb-scotland+m3", 160, 45),
          Voice("us-m1", "espeak", "en-us+m1", 150, 50),
          Voice("rp-m5", "espeak", "en-gb-x-rp+m5", 155, 40),
          Voice("gb-f1", "espeak", "en-gb+f1", 165, 55),
          Voice("us-f2", "espeak", "en-us+f2", 140, 65),
          Voice("lancaster-f3", "espeak", "en-gb-x-gbclan+f3", 150, 50),
          Voice("piper-joe-quick", "piper", "0.9")]
NUMBERS = [Phrase("four zero zero three ... zero four five three", "account", "40030453",
                  pause=1.0),
           Phrase("four zero zero four ... zero five zero six", "account", "40040506", pause=1.0),
           Phrase("My account number is four zero zero three three eight zero four.", "account",
                  "40033804"),
           Phrase("four oh oh two ... seven one oh two", "account", "40027102", pause=0.8),
           Phrase("four double oh three ... one five seven oh", "account", "40031570",
                  pause=0.9)]
NOT_NUMBERS = ["I don't know it.", "I haven't got my bill with me, sorry.",
               "Can I speak to someone please?", "Sorry, where do I find that?",
               "Hang on, let me get it.", "It's on the letter somewhere, I think."]
CONDITIONS = ["lead-10s", "white-30dB", "loss-1%"]


async def heard(engines: SpeechEngines, hints: Hints, voice: Voice, phrase: Phrase,
                condition: str) -> tuple[bool, str]:
    line = on_the_line(say_phrase(voice, phrase), BY_NAME[condition],
                       f"{voice.name}|{phrase.text}")
    hearing = await hear(engines.vad, engines.recognizer, line.frames, hints)
    result = score(hearing, line, phrase.reference, phrase.kind, phrase.value)
    return result.value_right, " / ".join(t.text for t in hearing.turns)


async def main() -> None:
    engines = SpeechEngines.load(load_settings())
    recognizer = engines.recognizer
    if not isinstance(recognizer, WhisperRecognizer):
        raise SystemExit("this bench needs the local Whisper recogniser")
    hints = (await hints_by_kind({"account"}))["account"]
    searching = recognizer.options
    right = {False: 0, True: 0}
    print("| voice | line | number | search off | search on |\n| --- | --- | --- | --- | --- |")
    for v, voice in enumerate(VOICES):
        for p, phrase in enumerate(NUMBERS):
            condition = CONDITIONS[(v + p) % len(CONDITIONS)]
            said = {}
            for search in (False, True):
                recognizer.options = replace(searching, search_lost_numbers=search)
                ok, text = await heard(engines, hints, voice, phrase, condition)
                right[search] += ok
                said[search] = f"{'right' if ok else 'wrong'}: {text!r}"
            print(f"| {voice.name} | {condition} | {phrase.value} | {said[False]} | "
                  f"{said[True]} |", flush=True)
    recognizer.options = searching
    total = len(VOICES) * len(NUMBERS)
    print(f"\nNumbers right: search off {right[False]}/{total}, on {right[True]}/{total}")
    made_up = digits = 0
    print("\n| voice | said (no number) | heard |\n| --- | --- | --- |")
    for voice in VOICES:
        for text in NOT_NUMBERS:
            _, turns = await heard(engines, hints, voice, Phrase(text, "account"), "lead-3s")
            made_up += holds_one_of(turns, hints.candidates)
            digits += any(c.isdigit() for c in turns)
            print(f"| {voice.name} | {text} | {turns!r} |", flush=True)
    print(f"\nSentences with no number: {len(VOICES) * len(NOT_NUMBERS)}; a council account "
          f"number made up in {made_up}; figures of any kind written in {digits}")
    engines.pool.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
