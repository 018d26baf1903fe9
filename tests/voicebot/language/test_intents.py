"""The intent router with the real MiniLM model: routing by meaning, calibration, fallbacks.

The phrasings here are written for these tests; none is in the benchmark's sets.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

import pytest

from voicebot.errors import ModelError
from voicebot.flows.registry import FlowSet
from voicebot.language import embeddings
from voicebot.language.embeddings import Embedder, package_file, shared_embedder
from voicebot.language.intents import IntentRouter, IntentSpec
from voicebot.language.spoken import normalise

ROOT = Path(__file__).resolve().parents[3]

SERVICES = {
    "bin_day": IntentSpec(
        ("when are my bins collected", "what day is bin day", "when is the recycling collected"),
        ("bin day", "collection day", "collected")),
    "missed_bin": IntentSpec(
        ("my bin was not collected", "they didn't empty my bin", "report a missed bin"),
        ("missed", "not collected", "didn't empty")),
    "balance": IntentSpec(
        ("how much council tax do I owe", "what's my council tax balance",
         "when is my next instalment due"),
        ("owe", "balance", "instalment")),
    "pay": IntentSpec(
        ("how do I pay my council tax", "can I pay by direct debit", "I'd like to make a payment"),
        ("pay", "payment", "direct debit")),
    "moving": IntentSpec(
        ("I'm moving house", "I've moved to a new address", "we're leaving the property"),
        ("moving", "moved", "new address")),
}

ROUTE_SCORE = 0.62
"""The engine's routing threshold that the scores are calibrated to."""
OPTION_SCORE = 0.4
"""Below this, an intent is not even worth offering in a clarifying question."""


@pytest.fixture(scope="module")
def router() -> IntentRouter:
    return IntentRouter(SERVICES)


@pytest.mark.parametrize(("said", "expected"), [
    ("the bin men went past and left my bin full", "missed_bin"),
    ("they came round but left the brown bin", "missed_bin"),
    ("it's not about when they come, nobody emptied my bin", "missed_bin"),
    ("which morning should the wheelie bin go to the kerb", "bin_day"),
    ("wen is my recycling day", "bin_day"),
    ("what's the damage on my council tax this year", "balance"),
    ("I don't want to pay today, I only want my balance", "balance"),
    ("is it possible to settle the bill with a debit card", "pay"),
    ("we're relocating to Bristol", "moving"),
    ("we're emigrating in the spring", "moving"),
])
def test_phrasings_rank_by_meaning(router: IntentRouter, said: str, expected: str) -> None:
    best, runner = router.rank(normalise(said))[:2]
    assert best.intent == expected, (best, runner)
    assert best.score >= 0.55 and best.score - runner.score >= 0.1


@pytest.mark.parametrize("said", [
    "can you book me a table for two tonight",
    "my cat is called Bob",
    "erm",
])
def test_words_that_mean_no_service_score_below_every_threshold(router: IntentRouter,
                                                                 said: str) -> None:
    assert router.rank(normalise(said))[0].score < OPTION_SCORE


def test_a_vague_request_is_not_routed_but_offers_the_likely_options(
        router: IntentRouter) -> None:
    ranked = router.rank("it's about my council tax")
    assert ranked[0].intent in {"balance", "pay"}
    assert ranked[0].score - ranked[1].score < 0.06 or ranked[0].score < ROUTE_SCORE
    assert {r.intent for r in ranked[:2]} == {"balance", "pay"}
    assert ranked[1].score >= OPTION_SCORE


@pytest.mark.parametrize("said", ["my bin", "the council tax", "bins", "the bin men"])
def test_a_fragment_is_not_routed_on_its_own(router: IntentRouter, said: str) -> None:
    best, runner = router.rank(said)[:2]
    assert best.score < ROUTE_SCORE or best.score - runner.score < 0.06, (best, runner)


def test_an_example_said_exactly_is_sure(router: IntentRouter) -> None:
    best, runner = router.rank("report a missed bin")[:2]
    assert best.intent == "missed_bin" and best.score >= 0.8
    assert best.example == "report a missed bin"
    assert best.score - runner.score >= 0.15


def test_scores_explain_which_words_pointed_where(router: IntentRouter) -> None:
    scores = {s.intent: s for s in router.rank("my bin was missed and I owe nothing")}
    assert scores["missed_bin"].words == ("missed", "bin")
    assert scores["balance"].words == ("owe",)
    assert scores["moving"].words == ()


def test_the_best_of_the_alternatives_counts(router: IntentRouter) -> None:
    ranked = router.rank("when is my bin date", ("when is my been day", "when is my bin day"))
    assert ranked[0].intent == "bin_day"
    assert router.rank("", ("how much do I owe",))[0].intent == "balance"
    assert router.rank("", ())[0].score == 0.0


def test_without_the_model_the_words_alone_route(router: IntentRouter) -> None:
    words_only = IntentRouter(SERVICES, embedder=None)
    assert not words_only.uses_meaning and router.uses_meaning
    best = words_only.rank("my bin was not collected")[0]
    assert best.intent == "missed_bin" and best.example == ""
    assert best.words == ("not collected", "bin", "not", "collected")


def test_a_missing_model_package_turns_meaning_off_with_a_warning(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ModelError, match="not installed"):
        package_file("voicebot_no_such_model", "model.onnx")
    monkeypatch.setattr(embeddings, "MODEL_PACKAGE", ("voicebot_no_such_model", "model.onnx"))
    shared_embedder.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="voicebot.language.embeddings"):
            router = IntentRouter(SERVICES)
        assert not router.uses_meaning
        assert "keywords only" in caplog.text and "voicebot_no_such_model" in caplog.text
        assert router.rank("they didn't empty my bin")[0].intent == "missed_bin"
    finally:
        shared_embedder.cache_clear()


def test_an_unreadable_model_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "model.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="embedder-unloadable"):
        Embedder(broken, package_file(*embeddings.TOKENIZER_PACKAGE))


async def test_prepare_embeds_off_the_loop_and_rank_then_reads_the_cache(
        monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = _fresh_embedder()
    router = IntentRouter(SERVICES, embedder=embedder)
    threads: list[str] = []
    real_run = embedder._run

    def spy(texts: list[str]):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real_run(texts)

    monkeypatch.setattr(embedder, "_run", spy)
    said = "the bin lorry left ours behind again"
    await router.prepare([said, "the bin lorry left hours behind again", ""])
    assert threads and all(name.startswith("embedder") for name in threads)
    assert embedder.cached(said) and embedder.cached("The bin lorry  left ours behind again")
    calls = len(threads)
    assert router.rank(said)[0].intent == "missed_bin"
    assert len(threads) == calls, "rank embedded words that prepare had already embedded"
    refusing = "I don't want to pay, I only want to know my balance"
    await router.prepare([refusing])
    calls = len(threads)
    assert router.rank(refusing)[0].intent == "balance"
    assert len(threads) == calls, "rank embedded the words left after a refusal itself"


async def test_prepare_lets_the_loop_run_meanwhile() -> None:
    router = IntentRouter(SERVICES, embedder=_fresh_embedder())
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    await router.prepare([f"sentence number {n} about bins and council tax" for n in range(64)])
    ticker.cancel()
    assert ticks > 1


def test_the_vector_cache_is_bounded() -> None:
    embedder = _fresh_embedder(cache_size=3)
    vectors = embedder.embed([f"text {n}" for n in range(5)])
    assert vectors.shape == (5, 384)
    assert not embedder.cached("text 0") and embedder.cached("text 4")
    assert abs(float((vectors * vectors).sum(axis=1).max()) - 1.0) < 1e-4


def test_similar_sentences_are_closer_than_unrelated_ones() -> None:
    embedder = shared_embedder()
    assert embedder is not None
    bins, missed, pizza = embedder.embed(["my bin was not emptied", "they skipped my bin",
                                          "I'd like a pepperoni pizza"])
    assert float(bins @ missed) > float(bins @ pizza) + 0.3


def _fresh_embedder(cache_size: int = 64) -> Embedder:
    return Embedder(package_file(*embeddings.MODEL_PACKAGE),
                    package_file(*embeddings.TOKENIZER_PACKAGE), cache_size=cache_size)


@pytest.mark.parametrize("said", [
    "I'd like to appeal a parking fine",
    "can you recommend a good plumber",
    "the street lamp outside number nine is flickering",
])
def test_the_shipped_flows_route_no_out_of_scope_request_to_a_service(
        shipped: FlowSet, said: str) -> None:
    best, runner = shipped.router.rank(normalise(said))[:2]
    routed = best.score >= ROUTE_SCORE and best.score - runner.score >= 0.06
    assert best.intent == "out_of_scope" or not routed, (best, runner)


def test_a_bare_yes_or_no_is_scored_by_its_words_not_its_meaning() -> None:
    anywhere = IntentRouter({"goodbye": IntentSpec(("nothing else thank you", "goodbye"),
                                                   ("goodbye", "bye"))})
    bare = anywhere.rank("no thanks")[0]
    assert bare.example == "" and bare.score < ROUTE_SCORE
    assert anywhere.rank("nothing else, thanks")[0].example == "nothing else thank you"
