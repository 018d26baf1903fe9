"""Intent accuracy on held-out caller phrasings, routed exactly as the engine does at the menu.

Each phrasing is read by the product's own path (``voicebot.flows.reading.read`` after the
routers' ``prepare``) as an answer to the menu, and ``reading.routed`` gives what the dialogue
would act on: a global request, a service, or "none" (the engine would ask a clarifying
question); ``out_of_scope`` counts as "none" here. The phrasings in bench/data/intents_heldout.yaml
are not in the flows.

    .venv/bin/python bench/intents.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections import Counter, defaultdict
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


def route(flows: FlowSet, text: str) -> str:
    turn = CallerTurn(text=text)
    asyncio.run(prepare(flows, heard_words(turn)))
    got = routed(read(turn, Question(), flows, CouncilData()))
    return "none" if got == OUT_OF_SCOPE else got


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        actions = Services(CouncilData(), Path(scratch) / "c.db").actions
        flows = build(ROOT / "flows", actions, ["general", "bins", "council_tax"])
    assert not isinstance(flows, list), [str(p) for p in flows]
    labelled = yaml.safe_load((ROOT / "bench" / "data" / "intents_heldout.yaml").read_text())
    per: dict[str, list[bool]] = defaultdict(list)
    fresh: list[bool] = []
    confusions: Counter[tuple[str, str]] = Counter()
    for label, phrasings in labelled.items():
        expected = label.removesuffix("_fresh").removesuffix("_2").removesuffix("_more")
        for text in phrasings:
            got = route(flows, text)
            per[expected].append(got == expected)
            if label.endswith("_fresh"):
                fresh.append(got == expected)
            if got != expected:
                confusions[(expected, got)] += 1
    total = sum(len(v) for v in per.values())
    right = sum(sum(v) for v in per.values())
    in_scope = [ok for label, v in per.items() if label != "none" for ok in v]
    print(f"phrasings: {total}; accuracy {right / total:.1%} ({right}/{total}); "
          f"in-scope accuracy {sum(in_scope) / len(in_scope):.1%}")
    if fresh:
        print(f"written after the last tuning: accuracy {sum(fresh) / len(fresh):.1%} "
              f"({sum(fresh)}/{len(fresh)})")
    for label, results in sorted(per.items()):
        print(f"  {label:22} {sum(results):>3}/{len(results):<3} {sum(results) / len(results):.0%}")
    print("most common confusions (expected -> routed):")
    for (expected, got), count in confusions.most_common(12):
        print(f"  {expected} -> {got}: {count}")


if __name__ == "__main__":
    main()
