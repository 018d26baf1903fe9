"""Quick one-word answers said fast by voices outside the caller corpus, and sounds that are no
words: is every word heard, and no sound taken for one?

A tuning set, not a held-out one: made to choose how a loud stretch the VAD doubts is judged
(``speech/doubt.py``, ``speech/pitch.py``), in voices and words that are in no part of
``bench/callers.py`` (so the held-out part there stays unseen; "Nope.", "Nine.", "Yeah." are
held-out phrases there and are left out here). Each word goes down a phone line in five
conditions (10 s of leading silence, -6 dBFS, 3% of frames lost, white and comfort noise at
15 dB SNR) and through the real listener and Whisper with its question's hints. Then the sounds
of ``bench/line.py`` (rustle, click, keypad tone, breath, cough, thud) under four questions,
with seeds the listening bench does not use. Reports words missed (no turn at all), words heard
only as "not heard" (a turn, but a decode too unsure to act on), and false starts.

    .venv/bin/python bench/quick_words.py        # accuracy only: flock -s is enough
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.callers import Phrase, Voice, say_phrase
from bench.hearing import hear
from bench.line import BY_NAME, SOUNDS, noise_only, on_the_line
from bench.questions import hints_by_kind
from bench.scoring import score
from voicebot.config import load_settings
from voicebot.speech.engines import SpeechEngines

VOICES = [Voice("gb-200", "espeak", "en-gb", 200, 50),
          Voice("gb-230", "espeak", "en-gb", 230, 45),
          Voice("scotland-m1-205", "espeak", "en-gb-scotland+m1", 205, 40),
          Voice("scotland-f2-200", "espeak", "en-gb-scotland+f2", 200, 60),
          Voice("us-m3-220", "espeak", "en-us+m3", 220, 45),
          Voice("gb-m4-210", "espeak", "en-gb+m4", 210, 40),
          Voice("us-f5-210", "espeak", "en-us+f5", 210, 70),
          Voice("rp-m1-215", "espeak", "en-gb-x-rp+m1", 215, 35),
          Voice("piper-joe-quick", "piper", "0.8")]
WORDS = [("No.", "yes_no"), ("Nah.", "yes_no"), ("Yes.", "yes_no"), ("Yep.", "yes_no"),
         ("Two.", "digits"), ("Six.", "digits"), ("Eight.", "digits"), ("Three.", "digits"),
         ("Five.", "digits"), ("Agent.", "word"), ("Bin day.", "request"),
         ("Council tax.", "request")]
"""``digits`` is asked at the account number question (a first piece said on its own)."""
CONDITIONS = ["lead-10s", "level-6dB", "loss-3%", "white-15dB", "comfort-15dB"]
SOUND_SEEDS = range(8, 24)


async def main() -> None:
    engines = SpeechEngines.load(load_settings())
    hints = await hints_by_kind({"request", "yes_no", "digits", "postcode", "account"})
    hints["word"] = hints["request"]
    missed: Counter[str] = Counter()
    unsure: Counter[str] = Counter()
    for voice in VOICES:
        for text, kind in WORDS:
            audio = say_phrase(voice, Phrase(text, kind))
            for condition in CONDITIONS:
                line = on_the_line(audio, BY_NAME[condition], f"{voice.name}|{text}")
                hearing = await hear(engines.vad, engines.recognizer, line.frames, hints[kind])
                result = score(hearing, line, text, kind, "")
                if result.missed:
                    missed[condition] += 1
                    print(f"  missed: {voice.name} / {condition}: {text!r}", flush=True)
                elif not all(t.heard for t in hearing.turns):
                    unsure[condition] += 1
    total = len(VOICES) * len(WORDS) * len(CONDITIONS)
    print(f"\nQuick words: {total}; missed {sum(missed.values())} ({dict(missed)}); "
          f"a turn but not heard {sum(unsure.values())} ({dict(unsure)})")
    false: Counter[str] = Counter()
    lines = 0
    for sound in SOUNDS:
        for seed in SOUND_SEEDS:
            for kind in ("request", "yes_no", "postcode", "account"):
                hearing = await hear(engines.vad, engines.recognizer,
                                     noise_only(sound, seed).frames, hints[kind])
                false[sound] += len(hearing.turns)
                lines += 1
                if hearing.turns:
                    print(f"  false start: {sound} {seed} at the {kind} question: "
                          f"{[t.text for t in hearing.turns]}", flush=True)
    print(f"Sounds with no words: {lines} lines; false starts {sum(false.values())} "
          f"({dict(false)})")
    engines.pool.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
