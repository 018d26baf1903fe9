"""Intent accuracy, latency and memory of the router, routed as the engine does at the menu.

Each phrasing is read by the product's own path, as an answer to the bot's opening question:
the routers' ``prepare`` (as the dialogue awaits it), then ``voicebot.flows.reading.read`` and
``reading.routed``, which give what the dialogue would act on: a request that works anywhere, a
service, ``out_of_scope`` (the bot says kindly that this line can't help), or "none" (the bot
asks a clarifying question or offers the menu). An out-of-scope request is counted right when
it is not routed to a service; "recognised" counts only ``out_of_scope`` itself.

Sets, reported apart:

* fifth: bench/data/intents_fifth.yaml, the fifth held-out set, written by someone else
  while the fifth round of tuning ran and never seen by it (the headline figure). Its misses
  are never listed, and its figures per intent are printed only with ``--held-out-detail``
  (for the final report, not while tuning). When the file is absent the bench says so and
  reports the rest;
* fourth: bench/data/intents_fourth.yaml, the fourth held-out set (its figure was reported in
  the fourth round); the fifth round's validation set: only its aggregate figures are printed,
  never its misses nor its figures per intent, so that it can say whether a change generalises
  without being tuned on phrasing by phrasing;
* third: bench/data/intents_third.yaml, the third held-out set (validation in the fourth
  round); tuning data since, and the first to cover the emergencies flow's intents;
* fresh: bench/data/intents_fresh.yaml, the second held-out set, written before the second
  round; tuning data since;
* test: bench/data/intents_test.yaml, the first held-out set, written before the embedding
  router; tuning data since the first round;
* dev: bench/data/intents_heldout.yaml (261 phrasings; tuning may use them), and within it the
  56 written after the word router was last tuned ("clean 56").

    .venv/bin/python bench/intents.py               # meaning + words (the product's default)
    .venv/bin/python bench/intents.py --words-only  # the keyword/fuzzy router alone (fallback)
    .venv/bin/python bench/intents.py --tuning --misses third  # while tuning: fifth set left out
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voicebot.council.actions import Services  # noqa: E402
from voicebot.council.data import CouncilData  # noqa: E402
from voicebot.flows.actions import CallerTurn  # noqa: E402
from voicebot.flows.reading import (  # noqa: E402
    OUT_OF_SCOPE,
    Question,
    heard_words,
    prepare,
    read,
    routed,
)
from voicebot.flows.registry import FlowSet, build  # noqa: E402
from voicebot.language.embeddings import Embedder, shared_embedder  # noqa: E402
from voicebot.language.intents import tokens  # noqa: E402

DATA = ROOT / "bench" / "data"
NONE = "none"
COUNCIL = CouncilData()

Labelled = list[tuple[str, str, str]]
"""(expected intent, phrasing, batch label in the file)."""
Results = list[tuple[str, str, str, str]]
"""(expected, got, batch label, phrasing)."""


def route(flows: FlowSet, text: str) -> str:
    """What the dialogue would act on after its opening question (the product's own path)."""
    turn = CallerTurn(text=text)
    asyncio.run(prepare(flows, heard_words(turn)))
    return routed(read(turn, Question(), flows, COUNCIL))


def right(expected: str, got: str) -> bool:
    return got == expected or (expected == NONE and got == OUT_OF_SCOPE)


def load(name: str) -> Labelled:
    data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    return [(label.removesuffix("_fresh").removesuffix("_2").removesuffix("_more"), text, label)
            for label, texts in data.items() for text in texts]


def plain(text: str) -> str:
    return " ".join(tokens(text))


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def flow_set(embedder: Embedder | None, leave_out: frozenset[str] = frozenset()) -> FlowSet:
    """The shipped flows; without the examples in ``leave_out`` (compared as ``plain``)."""
    with tempfile.TemporaryDirectory() as scratch:
        actions = Services(CouncilData(), Path(scratch) / "c.db").actions
        folder = ROOT / "flows" if not leave_out else _without(Path(scratch), leave_out)
        flows = build(folder, actions, ["general", "bins", "council_tax"], embedder)
    assert not isinstance(flows, list), [str(p) for p in flows]
    return flows


def _without(scratch: Path, leave_out: frozenset[str]) -> Path:
    """A copy of the flows with these examples taken out (comments are not kept)."""
    folder = scratch / "flows"
    folder.mkdir()
    for path in (ROOT / "flows").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        groups = [*(data.get("intents") or {}).values(), *(data.get("globals") or {}).values()]
        groups += [data["out_of_scope"]] if data.get("out_of_scope") else []
        for group in groups:
            group["examples"] = [e for e in group["examples"] if plain(e) not in leave_out]
        (folder / path.name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def echoes(flows: FlowSet, labelled: Labelled) -> frozenset[str]:
    """The set's phrasings that are word for word among the flows' examples."""
    known = {plain(e) for router in (flows.router, flows.globals) for e in router.examples}
    return frozenset(plain(text) for _, text, _ in labelled if plain(text) in known)


def summary(name: str, results: Results) -> None:
    """One line: accuracy, in-scope accuracy, out-of-scope recognised."""
    correct = sum(right(e, g) for e, g, _, _ in results)
    inside = [(e, g) for e, g, _, _ in results if e != NONE]
    outside = [g for e, g, _, _ in results if e == NONE]
    line = (f"{name}: accuracy {correct / len(results):.1%} ({correct}/{len(results)}); "
            f"in-scope {sum(e == g for e, g in inside) / len(inside):.1%} "
            f"({sum(e == g for e, g in inside)}/{len(inside)})")
    wrong = sum(g not in (e, NONE, OUT_OF_SCOPE) for e, g in inside)
    line += f"; in scope sent to a wrong service {wrong}/{len(inside)}"
    if outside:
        told = sum(g == OUT_OF_SCOPE for g in outside)
        kept = sum(g in (NONE, OUT_OF_SCOPE) for g in outside)
        line += (f"; out of scope recognised {told / len(outside):.1%} ({told}/{len(outside)}),"
                 f" not routed to a service {kept / len(outside):.1%}")
    print(line)


def confusion(results: Results) -> None:
    per: dict[str, Counter[str]] = {}
    for expected, got, _, _ in results:
        per.setdefault(expected, Counter())[expected if right(expected, got) else got] += 1
    for expected, got in sorted(per.items()):
        total = sum(got.values())
        wrong = ", ".join(f"{g} {n}" for g, n in got.most_common() if g != expected)
        print(f"  {expected:22} {got[expected]:>3}/{total:<3} {got[expected] / total:4.0%}"
              f"  {('-> ' + wrong) if wrong else ''}")


HELD_OUT = "fifth"
"""The set never seen while tuning: the headline."""
VALIDATION = "fourth"
"""The set that judges whether a change generalises: aggregate figures only."""
TUNING = ("third", "fresh", "test", "dev")
"""Sets tuned on: their misses may be listed."""
FILES = {"dev": "intents_heldout.yaml", "test": "intents_test.yaml",
         "fresh": "intents_fresh.yaml", "third": "intents_third.yaml",
         VALIDATION: "intents_fourth.yaml", HELD_OUT: "intents_fifth.yaml"}
TITLES = {HELD_OUT: "FIFTH set (fifth held-out, never seen while tuning)",
          VALIDATION: "fourth set (validation of the fifth round: aggregate figures only)",
          "third": "third set (validation of the fourth round; tuning data since)",
          "fresh": "fresh set (second held-out; tuning data since its report)",
          "test": "first test set (tuning data since its first report)",
          "dev": "dev set (261)"}
UNSEEN = (HELD_OUT, VALIDATION)
"""Sets whose misses are never listed."""
SERVED_BEFORE = frozenset({"bin_day", "missed_bin", "council_tax_balance", "council_tax_pay",
                           "council_tax_move", "council_tax_discount", "agent", "repeat",
                           "goodbye", "menu", NONE})
"""The intents the first two held-out sets cover (the third and later add the emergencies)."""


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words-only", action="store_true",
                        help="the keyword/fuzzy router alone, as before the embedding model")
    parser.add_argument("--misses", choices=list(TUNING), action="append",
                        default=[], help="list the misrouted phrasings of this tuning set")
    parser.add_argument("--tuning", action="store_true",
                        help="leave the held-out (fifth) set out, so it stays unseen")
    parser.add_argument("--held-out-detail", action="store_true",
                        help="also print the held-out (fifth) set per intent (final report "
                        "only; the fourth, validation, set is never shown per intent)")
    return parser.parse_args()


def overlaps(sets: dict[str, Labelled], flows: FlowSet) -> None:
    """Say which phrasings are word for word in the flows' examples, or (held-out and
    validation sets) in an older set: those are no longer unseen."""
    known = {plain(e) for router in (flows.router, flows.globals) for e in router.examples}
    older = {HELD_OUT: (*TUNING, VALIDATION), VALIDATION: TUNING}
    for name, labelled in sets.items():
        echoed = [text for _, text, _ in labelled if plain(text) in known]
        earlier = {plain(text) for other in older.get(name, ()) if other in sets
                   for _, text, _ in sets[other]}
        echoed += [text for _, text, _ in labelled if plain(text) in earlier]
        if echoed:
            print(f"note: {len(echoed)} {name} phrasings are now examples in the flows "
                  "(or, held out, in an older set): " + "; ".join(echoed))


def measure(flows: FlowSet, sets: dict[str, Labelled]) -> tuple[dict[str, Results],
                                                                 list[float]]:
    timings: list[float] = []
    results: dict[str, Results] = {}
    for name, labelled in sets.items():
        results[name] = []
        for expected, text, batch in labelled:
            start = time.perf_counter()
            got = route(flows, text)
            timings.append(time.perf_counter() - start)
            results[name].append((expected, got, batch, text))
    return results, timings


def report(results: dict[str, Results], args: argparse.Namespace) -> None:
    for name in (HELD_OUT, VALIDATION, *TUNING):
        if name not in results:
            continue
        summary(TITLES[name], results[name])
        if name in (*UNSEEN, "third"):
            summary("  the ten intents of the earlier sets",
                    [r for r in results[name] if r[0] in SERVED_BEFORE])
            emergencies = [r for r in results[name] if r[0] not in SERVED_BEFORE]
            right_ = sum(right(e, g) for e, g, _, _ in emergencies)
            print(f"  emergencies: {right_}/{len(emergencies)}")
    summary("  clean 56", [r for r in results["dev"] if r[2].endswith("_fresh")])
    if HELD_OUT in results and args.held_out_detail:
        print(f"{HELD_OUT} set per intent (right/total, then where the rest went):")
        confusion(results[HELD_OUT])
    for name in TUNING:
        print(f"{name} set per intent:")
        confusion(results[name])


def sets_to_read(args: argparse.Namespace) -> dict[str, Labelled]:
    """The sets this run measures; the held-out set only when present and not tuning."""
    wanted = {name: file for name, file in FILES.items()
              if not (args.tuning and name == HELD_OUT)}
    if HELD_OUT in wanted and not (DATA / wanted[HELD_OUT]).is_file():
        print(f"note: the {HELD_OUT} held-out set (bench/data/{FILES[HELD_OUT]}) is absent; "
              "its figure is to be scored by the integrator")
        del wanted[HELD_OUT]
    return {name: load(file) for name, file in wanted.items()}


def main() -> None:
    args = arguments()
    before = rss_mb()
    embedder = None if args.words_only else shared_embedder()
    if embedder is None and not args.words_only:
        sys.exit("the embedding model is not installed (scripts/setup); use --words-only")
    with_model = rss_mb()
    flows = flow_set(embedder)
    loaded = rss_mb()
    sets = sets_to_read(args)
    results, timings = measure(flows, {n: s for n, s in sets.items() if n not in UNSEEN})
    for name in (n for n in UNSEEN if n in sets):
        # An example that happens to be a held-out phrasing word for word would flatter it:
        # the held-out and validation sets are scored against the flows without those examples.
        echoed = echoes(flows, sets[name])
        fair = flow_set(embedder, echoed) if echoed else flows
        print(f"{name} set scored with {len(echoed)} flow examples that are its phrasings "
              "word for word left out of the flows")
        held, more = measure(fair, {name: sets[name]})
        results |= held
        timings += more
    print("router:", "words only" if args.words_only else "meaning (MiniLM int8) + words")
    overlaps(sets, flows)
    report(results, args)
    timings.sort()
    print(f"latency per sentence (prepare + read: both routers, nothing cached, "
          f"{len(timings)} sentences): mean {statistics.fmean(timings) * 1000:.1f} ms, "
          f"p95 {timings[int(len(timings) * 0.95)] * 1000:.1f} ms")
    print(f"memory: {rss_mb():.0f} MB resident at the end; the model added "
          f"{with_model - before:.0f} MB, the flows (with their embedded examples) "
          f"{loaded - with_model:.0f} MB")
    for name in (m for m in args.misses if m in results and m not in UNSEEN):
        print(f"misrouted in {name}:")
        for expected, got, _, text in results[name]:
            if not right(expected, got):
                print(f"  {expected:22} -> {got:22} {text}")


if __name__ == "__main__":
    main()
