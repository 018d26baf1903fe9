"""The routing policy: when a caller's words make a request, written once as a table.

Two rankings come out of each turn: the requests that work anywhere (``globals``: agent,
repeat, goodbye, menu) and the services the flows offer (``services``; ``out_of_scope`` is
ranked among them as one more intent, so a request the line does not serve is recognised by the
same router that recognises the ones it does). What counts as "clearly meant" depends on what
the bot had just asked: after an open question ("How can I help?") a likely intent is taken;
while a question is being answered the words are probably the answer, so only a sure request
interrupts it. Every number that decides this is a row of ``RULES``; nothing else in the
engine compares scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from voicebot.flows.schema import OUT_OF_SCOPE
from voicebot.language.intents import IntentScore


class Situation(StrEnum):
    """What the bot had just asked, as far as routing is concerned."""

    OPEN = "open"
    """An open question: the menu, "anything else?", a clarifying question."""
    ANSWERING = "answering"
    """A flow asked for a value (or to confirm one): the words are probably the answer."""
    CHANGING = "changing"
    """As ANSWERING, but the caller announced a change of mind ("actually, it's about...")."""


class Kind(StrEnum):
    GLOBAL = "global"
    """A request that works anywhere (agent, repeat, goodbye, menu)."""
    SERVICE = "service"
    """One of the flows' intents (or ``out_of_scope``)."""
    OPTION = "option"
    """Likely enough to be offered in a clarifying question."""
    COMPLETE = "complete"
    """Sure enough that the caller need not be heard out (ends the turn early)."""
    SURE_WORDS = "sure_words"
    """Recogniser confidence below which a value heard is read back before it is used."""
    AGREED_WORDS = "agreed_words"
    """As SURE_WORDS, for an option of a choice that every hypothesis of the recogniser gives:
    its doubt was over spelling and punctuation ("a call back, please" / "a callback
    please."), not over the answer."""
    GLOBAL_UNCLEAR = "global_unclear"
    """A global request (a person, the menu) well ahead of the other globals, taken when no
    service is clear: "can I talk to someone in the council tax team" names a topic, but it
    asks for a person, not for one of the topic's services."""
    GLOBAL_OVER_UNSERVED = "global_over_unserved"
    """A likely global request (a person, to hear it again) taken though an out-of-scope
    reading is as near or a little nearer: "one more time please" is near "what time is it
    please", but a request that works anywhere is served here. Only a little, and not a
    person: "put me through to the gas board", "where's the council office" ask for someone
    somewhere else."""
    UNSERVED = "unserved"
    """A whole sentence that reads as out of scope at this score or more, though not surely,
    within the margin of everything the line serves (a negative margin: close behind), while
    what it serves stays under the ceiling: a request this line does not serve ("I'm after a
    plumber"). The caller hears what the line can do, not "Sorry, I didn't catch that"."""


@dataclass(frozen=True)
class Rule:
    """One threshold: in ``situation``, the best ``kind`` counts when its score reaches
    ``score`` and leads by ``margin``, over its own runner-up (``over="runner"``) or over every
    other candidate, of both rankings (``over="all"``); and, for ``UNSERVED``, when every
    served candidate stays under ``ceiling``."""

    situation: Situation
    kind: Kind
    score: float
    margin: float = 0.0
    over: Literal["runner", "all"] = "runner"
    ceiling: float = 1.0


RULES: tuple[Rule, ...] = (
    # Open question: a sure global anywhere, a likely global clearly ahead of everything.
    Rule(Situation.OPEN, Kind.GLOBAL, 0.80, 0.00, "all"),
    Rule(Situation.OPEN, Kind.GLOBAL, 0.62, 0.06, "all"),
    # The service margin is the smallest at which the tuning sets had no request sent to the
    # wrong service (0.06 before issue #10's fourth round asked more clarifying questions).
    Rule(Situation.OPEN, Kind.SERVICE, 0.62, 0.03),
    Rule(Situation.OPEN, Kind.OPTION, 0.40),
    Rule(Situation.OPEN, Kind.COMPLETE, 0.72, 0.06),
    Rule(Situation.OPEN, Kind.GLOBAL_UNCLEAR, 0.70, 0.30),
    # Out of scope when that reading leads every other, of both rankings, at 0.50 or more;
    # or is within 0.10 of a served reading that is itself unsure (under 0.70): nothing
    # served is likely and the nearest unserved requests are as near (issue #10, fifth round).
    Rule(Situation.OPEN, Kind.UNSERVED, 0.50, 0.00, "all"),
    Rule(Situation.OPEN, Kind.UNSERVED, 0.50, -0.10, "all", ceiling=0.70),
    # ... unless a likely global request (not a person) is within 0.03 of it.
    Rule(Situation.OPEN, Kind.GLOBAL_OVER_UNSERVED, 0.62, -0.03, "all"),
    # Answering a question: only a sure request interrupts the answer.
    Rule(Situation.ANSWERING, Kind.GLOBAL, 0.80),
    Rule(Situation.ANSWERING, Kind.SERVICE, 0.78, 0.06),
    Rule(Situation.ANSWERING, Kind.SURE_WORDS, 0.50),
    # An option every hypothesis gives: 0.40, the higher of the two best on the tuning part of
    # bench/read_backs.py (0.35 and 0.40 alike; 0.45 reads back twice as many).
    Rule(Situation.ANSWERING, Kind.AGREED_WORDS, 0.40),
    # "Actually, it's about my council tax": a change of mind announced is taken as readily
    # as a request at the menu.
    Rule(Situation.CHANGING, Kind.GLOBAL, 0.80),
    Rule(Situation.CHANGING, Kind.SERVICE, 0.62, 0.06),
    Rule(Situation.CHANGING, Kind.SURE_WORDS, 0.50),
    Rule(Situation.CHANGING, Kind.AGREED_WORDS, 0.40),
)


__all__ = ["OUT_OF_SCOPE", "RULES", "Kind", "Request", "Rule", "Situation", "agreed_words",
           "clear_request", "options", "request", "rules", "sure_words"]


def rules(situation: Situation, kind: Kind) -> list[Rule]:
    return [r for r in RULES if r.situation == situation and r.kind == kind]


@dataclass(frozen=True)
class Request:
    """What the words ask for: a global request, a service, or something not served here."""

    kind: Literal["global", "service", "out_of_scope"]
    intent: str
    score: float


def _passes(rule: Rule, best: IntentScore, runner: float, others: float) -> bool:
    rival = max(runner, others) if rule.over == "all" else runner
    return best.score >= rule.score and best.score - rival >= rule.margin


def _runner(ranked: Sequence[IntentScore]) -> float:
    return ranked[1].score if len(ranked) > 1 else 0.0


A_PERSON = "agent"
"""The global request for a person, which an out-of-scope reading as near does not yield to."""

WHOLE_SENTENCE = 3
"""Words in a sentence long enough to judge as unserved: fewer ("my bin", "erm yes") is a
fragment, better met with a clarifying question. Three is enough for a request ("book a
taxi"); "my council tax" reads nearer a service than anything unserved."""


def request(globals_: Sequence[IntentScore], services: Sequence[IntentScore],
            situation: Situation, words: int = 0) -> Request | None:
    """The request the words make in this situation, or None (an answer, or unclear).

    ``words``: how many words were said (0: not known), for recognising an unserved request.
    """
    found = _request(globals_, services, situation, words)
    if found is not None and found.kind == "out_of_scope" and globals_ \
            and globals_[0].intent != A_PERSON:
        for rule in rules(situation, Kind.GLOBAL_OVER_UNSERVED):
            if _passes(rule, globals_[0], found.score, 0.0):
                return Request("global", globals_[0].intent, globals_[0].score)
    return found


def _request(globals_: Sequence[IntentScore], services: Sequence[IntentScore],
             situation: Situation, words: int) -> Request | None:
    best_service = services[0].score if services else 0.0
    if globals_:
        best = globals_[0]
        for rule in rules(situation, Kind.GLOBAL):
            if _passes(rule, best, _runner(globals_), best_service):
                return Request("global", best.intent, best.score)
    if services:
        best = services[0]
        best_global = globals_[0].score if globals_ else 0.0
        for rule in rules(situation, Kind.SERVICE):
            if _passes(rule, best, _runner(services), best_global):
                kind: Literal["service", "out_of_scope"] = (
                    "out_of_scope" if best.intent == OUT_OF_SCOPE else "service")
                return Request(kind, best.intent, best.score)
    if globals_:
        for rule in rules(situation, Kind.GLOBAL_UNCLEAR):
            if _passes(rule, globals_[0], _runner(globals_), 0.0):
                return Request("global", globals_[0].intent, globals_[0].score)
    return _unserved(globals_, services, situation, words)


def _unserved(globals_: Sequence[IntentScore], services: Sequence[IntentScore],
              situation: Situation, words: int) -> Request | None:
    """Out of scope when a whole sentence reads as out of scope, likely enough, and leads what
    the line serves, or is close behind it while that is itself unsure.

    With anchors near most things a council does elsewhere (issue #10, fourth round), a
    reading near them is evidence, not only the absence of a match; and a request near both
    an unserved anchor and, no more surely, a served intent ("I want a refund from Argos":
    paying, or shopping) is more often unserved than a service said vaguely (fifth round).
    Not when two served readings are ahead: "the bin men have been and mine's still full"
    near both bin services is about bins, however unsure which."""
    unserved = next((s.score for s in services if s.intent == OUT_OF_SCOPE), 0.0)
    ahead = sum(s.score > unserved for s in services if s.intent != OUT_OF_SCOPE)
    if words < WHOLE_SENTENCE or not unserved or ahead > 1:
        return None
    served = max((s.score for s in (*globals_, *services) if s.intent != OUT_OF_SCOPE),
                 default=0.0)
    for rule in rules(situation, Kind.UNSERVED):
        if unserved >= rule.score and unserved - served >= rule.margin \
                and served < rule.ceiling:
            return Request("out_of_scope", OUT_OF_SCOPE, unserved)
    return None


def options(services: Sequence[IntentScore], limit: int = 2) -> tuple[str, ...]:
    """The services likely enough to offer in a clarifying question, best first."""
    floor = min(r.score for r in rules(Situation.OPEN, Kind.OPTION))
    served = [s for s in services if s.intent != OUT_OF_SCOPE]
    return tuple(s.intent for s in served[:limit] if s.score > floor)


def clear_request(services: Sequence[IntentScore]) -> bool:
    """Whether the words so far already make an unmistakable request (ends the turn early)."""
    if not services:
        return False
    return any(_passes(rule, services[0], _runner(services), 0.0)
               for rule in rules(Situation.OPEN, Kind.COMPLETE))


CLEAR_GLOBAL = Rule(Situation.OPEN, Kind.COMPLETE, score=0.75, margin=0.25, over="all")
"""A global request sure enough to end the turn early: stricter than taking it, since a caller
who paused after "can I..." (menu 0.62, repeat 0.53) has not finished asking."""


def clear_global(globals_: Sequence[IntentScore], services: Sequence[IntentScore]) -> bool:
    """Whether the words already make an unmistakable global request after an open question
    ("operator", "can I speak to someone"): the turn ends early, as for a service."""
    if not globals_:
        return False
    best_service = services[0].score if services else 0.0
    return _passes(CLEAR_GLOBAL, globals_[0], _runner(globals_), best_service)


def sure_words(confidence: float, situation: Situation) -> bool:
    """Whether the recogniser was sure enough of the words to use a value without reading it
    back (the slot's own ``confirm`` setting still applies)."""
    return all(confidence >= r.score for r in rules(situation, Kind.SURE_WORDS))


def agreed_words(confidence: float, situation: Situation) -> bool:
    """Whether an option every hypothesis gives is sure enough to use without reading it back
    (``Kind.AGREED_WORDS``)."""
    found = rules(situation, Kind.AGREED_WORDS)
    return bool(found) and all(confidence >= r.score for r in found)
