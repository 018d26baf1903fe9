"""Hear every caller: the caller corpus through the real listening path.

Every utterance of ``bench/callers.py`` (synthetic voices, and the real recordings in
../shared/speech/real when present) is put on a phone line (``bench/line.py``: 8 kHz mu-law
always, plus one line condition each, rotating through leading silence, level, noise and lost
frames; postcodes, account numbers and real recordings get a second condition) and fed to a
fresh ``Listener`` in 20 ms frames on a virtual clock (``bench/hearing.py``: partial decodes
are released after their measured time). Reports, per voice and per condition, for the tuning
part and the held-out part apart: utterances missed, first word lost, turns split in two, WER,
postcodes and account numbers exactly right (the product's way), and end-of-turn delay.

    .venv/bin/python bench/listening.py [--part tune|held-out|all] [--voices SUBSTR] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import zlib
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.callers import CACHE, VOICES, Utterance, real_recordings, synthetic
from bench.hearing import hear
from bench.line import CONDITIONS, SOUNDS, Condition, noise_only, on_the_line
from bench.questions import hints_by_kind
from bench.scoring import score
from voicebot.config import load_settings
from voicebot.speech.engines import SpeechEngines

SECOND_CONDITION = {"postcode", "account", "digits"}
NOISY = {"comfort-15dB", "white-15dB", "comfort-30dB", "white-30dB"}


def plan(items: list[Utterance]) -> list[tuple[Utterance, Condition]]:
    """One rotating condition per utterance, two for slot values and real recordings."""
    planned = []
    for item in items:
        start = zlib.crc32(f"{item.voice}|{item.phrase.text}".encode()) % len(CONDITIONS)
        planned.append((item, CONDITIONS[start]))
        if item.phrase.kind in SECOND_CONDITION or item.real:
            second = "lead-10s" if item.real and CONDITIONS[start].name != "lead-10s" else None
            other = next((c for c in CONDITIONS if c.name == second),
                         CONDITIONS[(start + len(CONDITIONS) // 2) % len(CONDITIONS)])
            planned.append((item, other))
    return planned


def group_of(item: Utterance, condition: Condition) -> str:
    """Which accuracy target an item counts for: clear voice on a clean line, or the rest."""
    espeak = item.voice.startswith("espeak")
    return "espeak or noisy" if espeak or condition.name in NOISY else "clear"


async def run(engines: SpeechEngines, planned: list[tuple[Utterance, Condition]],
              out: Path) -> list[dict[str, object]]:
    hints = await hints_by_kind({"request", "yes_no", "postcode", "account", "digits"})
    hints["word"] = hints["request"]
    said: dict[str, np.ndarray] = {}
    rows = []
    with out.open("w") as sink:
        for number, (item, condition) in enumerate(planned, 1):
            earlier = None
            if condition.after_turn:
                earlier = said.get(item.voice) if item.real else _hello(item)
            said[item.voice] = item.audio
            line = on_the_line(item.audio, condition, f"{item.voice}|{item.phrase.text}",
                               earlier)
            hearing = await hear(engines.vad, engines.recognizer, line.frames,
                                 hints[item.phrase.kind])
            result = score(hearing, line, item.phrase.reference, item.phrase.kind,
                           item.phrase.value)
            row = {"voice": item.voice, "phrase": item.phrase.text, "kind": item.phrase.kind,
                   "condition": condition.name, "held_out": item.held_out, "own": item.own_voice,
                   "real": item.real, "group": group_of(item, condition), **asdict(result)}
            sink.write(json.dumps(row) + "\n")
            rows.append(row)
            if result.missed or result.first_word_lost or result.split:
                print(f"  [{number}/{len(planned)}] {item.voice} / {condition.name}: "
                      f"{item.phrase.reference!r} -> {result.text!r}"
                      f"{' MISSED' if result.missed else ''}"
                      f"{' FIRST-WORD' if result.first_word_lost else ''}"
                      f"{' SPLIT' if result.split else ''}", flush=True)
            elif number % 50 == 0:
                print(f"  [{number}/{len(planned)}]", flush=True)
    return rows


def _hello(item: Utterance) -> np.ndarray:
    """What the caller said before (for ``after-turn``): another phrase in the same voice."""
    from bench.callers import Phrase, say_phrase

    voice = next((v for v in VOICES if v.name == item.voice), None)
    if voice is None:
        return item.audio
    return say_phrase(voice, Phrase("Hello?", "word"))


def table(rows: list[dict[str, object]], key: str, title: str) -> None:
    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        groups[str(row[key])].append(row)
    print(f"\n### {title}\n")
    print(f"| {key} | utterances | missed | first word lost | onset cut from the audio | split "
          "| false starts | WER | postcodes right | accounts right | end-of-turn p50 / p95 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in sorted(groups):
        print(summary_row(name, groups[name]))
    print(summary_row("**all**", rows))


def summary_row(name: str, rows: list[dict[str, object]]) -> str:
    count = len(rows)
    missed = sum(bool(r["missed"]) for r in rows)
    lost = sum(bool(r["first_word_lost"]) for r in rows)
    cut = sum(bool(r.get("onset_cut")) for r in rows)
    split = sum(bool(r["split"]) for r in rows)
    false = sum(int(r["false_turns"]) for r in rows)  # type: ignore[call-overload]
    errors = sum(int(r["errors"]) for r in rows)  # type: ignore[call-overload]
    words = sum(int(r["words"]) for r in rows)  # type: ignore[call-overload]
    delays = [float(r["end_delay"]) for r in rows if r["end_delay"] is not None]  # type: ignore[arg-type]
    return (f"| {name} | {count} | {missed} | {lost} | {cut} | {split} | {false} | "
            f"{errors / max(1, words):.3f} | {_right(rows, 'postcode')} | "
            f"{_right(rows, 'account')} | {_pct(delays, 50)} / {_pct(delays, 95)} |")


def _right(rows: list[dict[str, object]], kind: str) -> str:
    values = [bool(r["value_right"]) for r in rows if r["kind"] == kind]
    return f"{sum(values)}/{len(values)}" if values else "-"


def _pct(values: list[float], q: int) -> str:
    return f"{np.percentile(values, q):.2f}" if values else "-"


def report(rows: list[dict[str, object]]) -> None:
    for part, chosen in (("tuning part", [r for r in rows if not r["held_out"]]),
                         ("held-out part", [r for r in rows if r["held_out"]])):
        if not chosen:
            continue
        print(f"\n## {part}: {len(chosen)} hearings")
        table(chosen, "voice", f"{part}, by voice")
        table(chosen, "condition", f"{part}, by condition")
        table(chosen, "group", f"{part}, by accuracy group")
    spelled = [r for r in rows if r["kind"] in {"postcode", "account"} and "..." in str(
        r["phrase"])]
    print(f"\nSpelled with pauses, split across turns: {sum(bool(r['split']) for r in spelled)}"
          f"/{len(spelled)}")


async def false_starts(engines: SpeechEngines) -> None:
    """Lines with no speech, only rustle, a click, a keypad tone, a breath, a cough or a thud,
    under every kind of question (the recogniser is asked about loud stretches the VAD
    doubts, primed with what the question expects): any turn that starts on them is a false
    start (a false barge-in, when the bot is speaking)."""
    hints = await hints_by_kind({"request", "yes_no", "postcode", "account"})
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for kind in SOUNDS:
        for seed in range(8):
            for hint in hints.values():
                hearing = await hear(engines.vad, engines.recognizer,
                                     noise_only(kind, seed).frames, hint)
                counts[kind][0] += len(hearing.turns)
                counts[kind][1] += 1
    print("\nFalse starts on lines with no speech (asked for a request, yes or no, a postcode, "
          "an account number): " + ", ".join(
              f"{kind} {started}/{lines}" for kind, (started, lines) in counts.items()))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=["tune", "held-out", "all"], default="all")
    parser.add_argument("--voices", default="", help="only voices whose name contains this")
    parser.add_argument("--kinds", default="", help="only these phrase kinds (comma list)")
    parser.add_argument("--quick", action="store_true", help="every third hearing only")
    parser.add_argument("--no-real", action="store_true", help="leave the real recordings out")
    args = parser.parse_args()
    items = synthetic() + ([] if args.no_real else real_recordings())
    items = [i for i in items if args.voices in i.voice and (
        args.part == "all" or i.held_out == (args.part == "held-out")) and (
        not args.kinds or i.phrase.kind in args.kinds.split(","))]
    planned = plan(items)[:: 3 if args.quick else 1]
    print(f"{len(planned)} hearings of {len(items)} utterances, "
          f"{len({i.voice for i in items})} voices", flush=True)
    engines = SpeechEngines.load(load_settings())
    started = time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    rows = await run(engines, planned, CACHE.parent / "listening-results.jsonl")
    print(f"\n{len(rows)} hearings in {time.perf_counter() - started:.0f} s")
    report(rows)
    await false_starts(engines)
    engines.pool.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
