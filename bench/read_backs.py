"""Answers to a closed question: how many are read back needlessly, how many wrong ones are taken.

At "Would you like a call back, or to leave a message?" or "Is that the best number? Yes or
no?", a value heard unsurely is read back ("Just to check, is that call back?"). Whisper's
confidence is spread over spellings and punctuation ("a call back, please" / "a callback
please."), so a plainly said answer can score under the bar though every hypothesis gives the
same option. This bench hears such answers from the synthetic voices (``bench/callers.py``) on
several lines, through the real listener, and scores each heard answer under the product's rule
(``voicebot.flows.reading``): taken right, read back, or taken wrong (the worst: nobody checks).
It also reports what the rule alone on confidence would have done. Yes/no answers are scored
too, though the agreement of hypotheses counts only for a choice (see ``_AGREEABLE``). Sounds
with no words (a cough, a thud) at the same question must give no value at all.

Tuning voices and phrases are reported apart from held-out ones.

    flock -s /tmp/voicebot-cpu.lock .venv/bin/python bench/read_backs.py   # accuracy
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.callers import VOICES, Phrase, say_phrase
from bench.hearing import hear
from bench.line import BY_NAME, SOUNDS, noise_only, on_the_line
from voicebot.call.expecting import hints_for
from voicebot.config import load_settings
from voicebot.council.data import CouncilData
from voicebot.flows.actions import Expectation
from voicebot.flows.policy import Situation, sure_words
from voicebot.flows.reading import agreed_value, sure_value
from voicebot.flows.schema import SlotDef
from voicebot.flows.slots import parse_slot, slot_complete
from voicebot.language.spoken import normalise
from voicebot.speech.base import Hints
from voicebot.speech.engines import SpeechEngines

ROOT = Path(__file__).resolve().parent.parent
COUNCIL = CouncilData.load(ROOT / "seeds")
_SLOTS = yaml.safe_load((ROOT / "flows" / "after_hours.yaml").read_text())["slots"]
SLOTS = {"choice": SlotDef.model_validate(_SLOTS["choice"]),
         "yes_no": SlotDef.model_validate(_SLOTS["use_this_number"])}

ANSWERS: list[Phrase] = [
    Phrase("A call back please.", "choice"), Phrase("Leave a message.", "choice"),
    Phrase("No thanks.", "choice"), Phrase("Yes.", "yes_no"), Phrase("No.", "yes_no"),
    Phrase("Yes please.", "yes_no"),
    Phrase("Call me back please.", "choice", held_out=True),
    Phrase("I'd like to leave a message.", "choice", held_out=True),
    Phrase("I'll hold.", "choice", held_out=True),
    Phrase("Yeah, that's right.", "yes_no", held_out=True),
    Phrase("No, that's the wrong number.", "yes_no", held_out=True),
    Phrase("Yes it is.", "yes_no", held_out=True),
]
CONDITIONS = ("lead-3s", "level-35dB", "white-15dB", "loss-3%")


def hints(kind: str) -> Hints:
    """What the listener is told at the question: the product's expectation for the slot
    (``Replies.expect_answer``), made into hints by ``voicebot.call.expecting``, with the
    slot's own test of a whole answer (the turn may end as soon as one is heard)."""
    slot = SLOTS[kind]
    return hints_for(Expectation(slot_type=kind, options=tuple(slot.options)),
                     lambda text: slot_complete(slot, text, COUNCIL, {}))


@dataclass
class Tally:
    right: int = 0
    read_back: int = 0
    wrong: int = 0
    none: int = 0
    by_confidence: Counter[str] = field(default_factory=Counter)
    """The outcomes had the rule been the recogniser's confidence alone."""
    delays: list[float] = field(default_factory=list)
    """Seconds from the end of the caller's words to the words heard (decodes as timed)."""

    def line(self, name: str) -> str:
        total = self.right + self.read_back + self.wrong + self.none
        c = self.by_confidence
        return (f"{name}: {total} answers; taken right {self.right}, read back {self.read_back}"
                f", taken wrong {self.wrong}, no value {self.none}  |  confidence alone: "
                f"right {c['right']}, read back {c['read_back']}, wrong {c['wrong']}"
                + (f"  |  heard after p50 {np.percentile(self.delays, 50):.2f} s, p95 "
                   f"{np.percentile(self.delays, 95):.2f} s" if self.delays else ""))


RESULTS = ROOT / "bench" / ".cache" / "read-backs.jsonl"
"""Every heard answer with its confidence and whether the hypotheses agreed (for tuning)."""


def score(tally: Tally, kind: str, heard: list[str], confidence: float, expected: object,
          out: list[dict[str, object]], part: str) -> None:
    slot = SLOTS[kind]
    parsed = parse_slot(slot, heard, COUNCIL, {})
    if parsed.value is None:
        tally.none += 1
        return
    agreed = agreed_value(slot, heard, COUNCIL, {})
    right = expected is not None and _meaning(parsed.value) == _meaning(expected)
    out.append({"part": part, "kind": kind, "value": parsed.value, "heard": heard,
                "confidence": round(confidence, 3), "agreed": agreed, "unsure": parsed.unsure,
                "right": right})
    sure = sure_value(parsed, confidence, Situation.ANSWERING, agreed)
    alone = not parsed.unsure and sure_words(confidence, Situation.ANSWERING)
    outcome = "read_back" if not sure else ("right" if right else "wrong")
    setattr(tally, outcome, getattr(tally, outcome) + 1)
    tally.by_confidence["read_back" if not alone else ("right" if right else "wrong")] += 1


MEANINGS = {"callback": "call back", "call me": "call back", "ring me": "call back",
            "wait": "hold", "no thanks": "no"}
"""Options the after-hours flow treats alike (its ``next`` branches): a call back asked for as
"call me" is a right answer."""


def _meaning(value: object) -> str:
    return MEANINGS.get(str(value), str(value))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true",
                        help="print every answer not taken right")
    args = parser.parse_args()
    engines = SpeechEngines.load(load_settings())
    tallies = {f"{part}, {kind}": Tally() for part in ("tuning", "held out") for kind in SLOTS}
    tallies["sounds"] = Tally()
    out: list[dict[str, object]] = []
    try:
        for voice in VOICES:
            for phrase in ANSWERS:
                audio = say_phrase(voice, phrase)
                expected = parse_slot(SLOTS[phrase.kind], [normalise(phrase.text)],
                                      COUNCIL, {}).value
                part = "held out" if voice.held_out or phrase.held_out else "tuning"
                tally = tallies[f"{part}, {phrase.kind}"]
                for name in CONDITIONS:
                    line = on_the_line(audio, BY_NAME[name], f"{voice.name}|{phrase.text}")
                    hearing = await hear(engines.vad, engines.recognizer, line.frames,
                                         hints(phrase.kind))
                    turns = [t for t in hearing.turns if t.heard]
                    if not turns:
                        tally.none += 1
                        continue
                    turn = turns[0]
                    tally.delays.append(turn.answered - line.speech_off)
                    heard = [normalise(t) for t in (turn.text, *turn.alternatives) if t]
                    before = tally.right
                    score(tally, phrase.kind, heard, turn.confidence, expected, out,
                          part)
                    if args.show and tally.right == before:
                        print(f"  {voice.name} {name} {phrase.text!r}: {heard} "
                              f"conf {turn.confidence:.2f}")
        for kind in SLOTS:
            for sound in SOUNDS:
                for seed in (1, 2):
                    line = noise_only(sound, seed)
                    hearing = await hear(engines.vad, engines.recognizer, line.frames,
                                         hints(kind))
                    for turn in (t for t in hearing.turns if t.heard):
                        heard = [normalise(t) for t in (turn.text, *turn.alternatives) if t]
                        score(tallies["sounds"], kind, heard, turn.confidence, None, out,
                              "sounds")
    finally:
        engines.pool.shutdown()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("".join(json.dumps(row) + "\n" for row in out))
    for name, tally in tallies.items():
        print(tally.line(name))


if __name__ == "__main__":
    asyncio.run(main())
