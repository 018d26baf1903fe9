"""Intent accuracy, latency and memory of the router, routed as the engine does at the menu.

Each phrasing is read by the product's own path, as an answer to the bot's opening question:
the routers' ``prepare`` (as the dialogue awaits it), then ``voicebot.flows.reading.read`` and
``reading.routed``, which give what the dialogue would act on: a request that works anywhere, a
service, ``out_of_scope`` (the bot says kindly that this line can't help), or "none" (the bot
asks a clarifying question or offers the menu). An out-of-scope request is counted right when
it is not routed to a service; "recognised" counts only ``out_of_scope`` itself.

Sets, reported apart:

* fresh: bench/data/intents_fresh.yaml, the second held-out set, written before the second
  round of tuning and never tuned on (the headline figure); its misses are never listed;
* test: bench/data/intents_test.yaml, the first held-out set, written before the embedding
  router; its figure was reported at the first round, and it has been tuning data since;
* dev: bench/data/intents_heldout.yaml (261 phrasings; tuning may use them), and within it the
  56 written after the word router was last tuned ("clean 56").

    .venv/bin/python bench/intents.py               # meaning + words (the product's default)
    .venv/bin/python bench/intents.py --words-only  # the keyword/fuzzy router alone (fallback)
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


def flow_set(embedder: Embedder | None) -> FlowSet:
    with tempfile.TemporaryDirectory() as scratch:
        actions = Services(CouncilData(), Path(scratch) / "c.db").actions
        flows = build(ROOT / "flows", actions, ["general", "bins", "council_tax"], embedder)
    assert not isinstance(flows, list), [str(p) for p in flows]
    return flows


def summary(name: str, results: list[tuple[str, str, str, str]]) -> None:
    """One line: accuracy, in-scope accuracy, out-of-scope recognised."""
    correct = sum(right(e, g) for e, g, _, _ in results)
    inside = [(e, g) for e, g, _, _ in results if e != NONE]
    outside = [g for e, g, _, _ in results if e == NONE]
    line = (f"{name}: accuracy {correct / len(results):.1%} ({correct}/{len(results)}); "
            f"in-scope {sum(e == g for e, g in inside) / len(inside):.1%} "
            f"({sum(e == g for e, g in inside)}/{len(inside)})")
    if outside:
        told = sum(g == OUT_OF_SCOPE for g in outside)
        kept = sum(g in (NONE, OUT_OF_SCOPE) for g in outside)
        line += (f"; out of scope recognised {told / len(outside):.1%} ({told}/{len(outside)}),"
                 f" not routed to a service {kept / len(outside):.1%}")
    print(line)


def confusion(results: list[tuple[str, str, str, str]]) -> None:
    per: dict[str, Counter[str]] = {}
    for expected, got, _, _ in results:
        per.setdefault(expected, Counter())[expected if right(expected, got) else got] += 1
    for expected, got in sorted(per.items()):
        total = sum(got.values())
        wrong = ", ".join(f"{g} {n}" for g, n in got.most_common() if g != expected)
        print(f"  {expected:22} {got[expected]:>3}/{total:<3} {got[expected] / total:4.0%}"
              f"  {('-> ' + wrong) if wrong else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words-only", action="store_true",
                        help="the keyword/fuzzy router alone, as before the embedding model")
    parser.add_argument("--misses", choices=["dev", "test"], action="append", default=[],
                        help="list the misrouted phrasings of this set")
    parser.add_argument("--tuning", action="store_true",
                        help="leave the fresh set out (while tuning, so it stays unseen)")
    args = parser.parse_args()
    before = rss_mb()
    embedder = None if args.words_only else shared_embedder()
    if embedder is None and not args.words_only:
        sys.exit("the embedding model is not installed (scripts/setup); use --words-only")
    with_model = rss_mb()
    flows = flow_set(embedder)
    loaded = rss_mb()
    sets = {"dev": load("intents_heldout.yaml"), "test": load("intents_test.yaml")}
    if not args.tuning:
        sets["fresh"] = load("intents_fresh.yaml")
    timings: list[float] = []
    results: dict[str, list[tuple[str, str, str, str]]] = {}
    for name, labelled in sets.items():
        results[name] = []
        for expected, text, batch in labelled:
            start = time.perf_counter()
            got = route(flows, text)
            timings.append(time.perf_counter() - start)
            results[name].append((expected, got, batch, text))
    print("router:", "words only" if args.words_only else "meaning (MiniLM int8) + words")
    known = {plain(e) for router in (flows.router, flows.globals) for e in router.examples}
    for name, labelled in sets.items():
        echoed = [text for _, text, _ in labelled if plain(text) in known]
        if echoed:
            print(f"note: {len(echoed)} {name} phrasings are now examples in the flows: "
                  + "; ".join(echoed))
    if "fresh" in results:
        summary("FRESH set (second held-out, never tuned on)", results["fresh"])
    summary("first test set (tuning data since its first report)", results["test"])
    summary("dev set (261)", results["dev"])
    summary("  clean 56", [r for r in results["dev"] if r[2].endswith("_fresh")])
    if "fresh" in results:
        print("fresh set per intent (right/total, then where the rest went):")
        confusion(results["fresh"])
    print("first test set per intent:")
    confusion(results["test"])
    print("dev set per intent:")
    confusion(results["dev"])
    timings.sort()
    print(f"latency per sentence (prepare + read: both routers, nothing cached, "
          f"{len(timings)} sentences): mean {statistics.fmean(timings) * 1000:.1f} ms, "
          f"p95 {timings[int(len(timings) * 0.95)] * 1000:.1f} ms")
    print(f"memory: {rss_mb():.0f} MB resident at the end; the model added "
          f"{with_model - before:.0f} MB, the flows (with their embedded examples) "
          f"{loaded - with_model:.0f} MB")
    for name in (m for m in args.misses if m in results):
        print(f"misrouted in {name}:")
        for expected, got, _, text in results[name]:
            if not right(expected, got):
                print(f"  {expected:22} -> {got:22} {text}")


if __name__ == "__main__":
    main()
