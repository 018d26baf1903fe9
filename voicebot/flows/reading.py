"""One pure reading of a caller's turn: everything the words could mean, worked out once.

``read(turn, question, flows, council)`` ranks the words against the requests that work
anywhere and the flows' services (``out_of_scope`` among them), parses the value of the slot
being asked for, and notes yes/no, the option picked from a clarifying question, whether the
answer is already complete and whether the words ask for something this line does not do. It
has no side effects and no I/O, so the engine, ``is_complete`` (the listener's early end of
turn), ``voicebot chat --explain`` and the intent benchmark all share this one path. Heavy work
a model-backed router needs is done beforehand, off the event loop, by ``prepare``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from voicebot.council.data import CouncilData
from voicebot.flows.actions import CallerTurn
from voicebot.flows.policy import (
    OUT_OF_SCOPE,
    Request,
    Situation,
    agreed_words,
    clear_global,
    clear_request,
    request,
    sure_words,
)
from voicebot.flows.registry import FlowSet
from voicebot.flows.schema import SlotDef
from voicebot.flows.slots import Parsed, parse_slot, slot_complete
from voicebot.flows.state import OPEN_MODES, Mode
from voicebot.language.digits import correct, spoken_digits
from voicebot.language.fillers import core_request
from voicebot.language.intents import IntentScore, content, tokens
from voicebot.language.spoken import changes_mind, letters_and_digits, normalise, yes_or_no

KEY_FOR_A_PERSON = "0"
"""A lone 0 keyed where 0 is no answer asks for a person, as phone menus have taught callers."""

_CORRECTABLE = ("postcode", "account", "number", "phone")
"""Slot types whose value read back may be corrected by saying it (or the wrong part) again."""
_AGREEABLE = ("choice",)
"""Slot types whose answer, one of a few options, is surer when every hypothesis gives it. Not
yes/no: "that's right" heard as "not right" in every hypothesis was the commonest wrong answer
taken (``bench/read_backs.py``)."""
_IDENTIFYING = ("postcode", "account")
"""Slot types worth keeping when given before they are asked for (at a clarifying question)."""
_ORDINALS = {"first": 0, "second": 1, "last": -1, "one": 0, "1": 0, "two": 1, "2": 1}
"""Positions, the ordinal words first ("the second one" is the second, not the first)."""


@dataclass(frozen=True)
class Question:
    """What the bot is waiting for, in the terms a reading needs (the engine builds it)."""

    mode: Mode = Mode.MENU
    slot_name: str | None = None
    slot: SlotDef | None = None
    """The slot asked for (ASKING) or read back (CONFIRMING)."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """Values collected so far (an address is looked up at the postcode already given)."""
    options: tuple[str, ...] = ()
    """The intents offered in a clarifying question."""
    pending: Any = None
    """The value being read back (CONFIRMING), which the caller may correct in part."""


@dataclass(frozen=True)
class Reading:
    """What one turn means; read once, consumed by the dialogue's state machine."""

    heard: tuple[str, ...]
    """The words (normalised) and the recogniser's other hypotheses; or the keys pressed."""
    keyed: bool
    confidence: float
    """The recogniser's confidence in the words (1.0 for keys)."""
    situation: Situation
    globals: tuple[IntentScore, ...]
    """Requests that work anywhere (agent, repeat, goodbye, menu), best first."""
    services: tuple[IntentScore, ...]
    """The flows' intents and ``out_of_scope``, best first."""
    request: Request | None
    """What the words ask for under the routing policy, if anything."""
    slot: str | None
    value: Parsed | None
    """The parsed value of the slot asked for (None when no slot is asked for)."""
    yes_no: bool | None
    choice: str | None
    """The option of a clarifying question the caller picked."""
    complete: bool
    """Whether the words already make a whole answer (the listener may stop waiting)."""
    agreed: bool = False
    """Every hypothesis gives the same option of the choice asked for."""

    @property
    def text(self) -> str:
        return self.heard[0] if self.heard else ""

    @property
    def out_of_scope(self) -> bool:
        """Understood, but not something this line does."""
        return self.request is not None and self.request.kind == "out_of_scope"

    @property
    def sure(self) -> bool:
        """A value heard clearly enough to use without reading it back (unless the slot says
        always)."""
        if self.value is None:
            return False
        return self.keyed or sure_value(self.value, self.confidence, self.situation,
                                        self.agreed)


def sure_value(value: Parsed, confidence: float, situation: Situation, agreed: bool) -> bool:
    """A spoken value is used without reading it back when the recogniser was sure of the
    words, or, for an option every hypothesis gives, nearly sure."""
    if value.value is None or value.unsure:
        return False
    return sure_words(confidence, situation) or (agreed and agreed_words(confidence, situation))


def agreed_value(slot: SlotDef, heard: list[str], council: CouncilData,
                 values: Mapping[str, Any]) -> bool:
    """Whether every hypothesis, read alone, gives one and the same option of a choice (two
    spellings of one option, "call back" and "callback", are one answer)."""
    if slot.type not in _AGREEABLE or not heard:
        return False
    answers = [parse_slot(slot, [text], council, values).value for text in heard]
    return None not in answers and len({letters_and_digits(str(a)) for a in answers}) == 1


def heard_words(turn: CallerTurn) -> tuple[str, ...]:
    """The turn's words, normalised, best hypothesis first; the keys alone if only keyed."""
    if turn.digits and not turn.text:
        return (turn.digits,)
    texts = (normalise(turn.text) if turn.text else "", *(normalise(a) for a in turn.alternatives))
    return tuple(t for t in texts if t)


async def prepare(flows: FlowSet, heard: tuple[str, ...]) -> None:
    """Let the routers do their heavy work for these words (off the event loop)."""
    if heard:
        await flows.globals.prepare(list(heard))
        await flows.router.prepare(list(heard))


def read(turn: CallerTurn, question: Question, flows: FlowSet,
         council: CouncilData) -> Reading:
    """Everything the turn could mean, given what the bot is waiting for."""
    heard = heard_words(turn)
    keyed = bool(turn.digits) and not turn.text
    text = heard[0] if heard else ""
    spoken = bool(text) and not keyed
    situation = _situation(question.mode, text)
    ranked_globals = tuple(flows.globals.rank(text, heard[1:])) if spoken else ()
    ranked = tuple(flows.router.rank(text, heard[1:])) if spoken else ()
    slot, value = _value(question, heard, flows, council, keyed)
    # The request's own words: "it's about my account" is the fragment "my account".
    sentence = (0 if value is not None and value.value is not None
                else len(tokens(core_request(text))))
    found = request(ranked_globals, ranked, situation, sentence) if spoken else None
    if keyed and text == KEY_FOR_A_PERSON and (value is None or value.value is None):
        found = Request("global", "agent", 1.0)
    choice = _choice(text, question.options, flows) if question.mode is Mode.CLARIFYING else None
    return Reading(
        heard=heard, keyed=keyed, confidence=1.0 if keyed else turn.confidence,
        situation=situation, globals=ranked_globals, services=ranked, request=found,
        slot=slot, value=value, yes_no=yes_or_no(text) if spoken else None, choice=choice,
        complete=_complete(question, text, ranked_globals, ranked, council) if spoken
        else False,
        agreed=spoken and question.mode is Mode.ASKING and question.slot is not None
        and agreed_value(question.slot, list(heard), council, question.values),
    )


def _situation(mode: Mode, text: str) -> Situation:
    if mode in OPEN_MODES:
        return Situation.OPEN
    return Situation.CHANGING if changes_mind(text) else Situation.ANSWERING


def _value(question: Question, heard: tuple[str, ...], flows: FlowSet,
           council: CouncilData, keyed: bool = False) -> tuple[str | None, Parsed | None]:
    """The slot value in the words: the answer asked for, a correction of the value read
    back, or (at a clarifying question) a postcode or account number the options will need."""
    slot = question.slot
    if question.mode is Mode.ASKING and slot is not None:
        return question.slot_name, parse_slot(slot, list(heard), council, question.values,
                                              keyed=keyed)
    if question.mode is Mode.CONFIRMING and slot is not None and heard:
        return question.slot_name, _corrected(question, slot, heard, council)
    if question.mode is Mode.CLARIFYING and heard:
        for name, wanted in _wanted(question.options, flows):
            parsed = parse_slot(wanted, list(heard), council, question.values)
            if parsed.value is not None:
                return name, parsed
    return None, None


def _corrected(question: Question, slot: SlotDef, heard: tuple[str, ...],
               council: CouncilData) -> Parsed:
    """A new value said in answer to "is that X?": whole ("no, it's M14 5RN"), or only the
    part that was wrong ("no, nine two eight four"), spliced into the value read back."""
    if slot.type not in _CORRECTABLE:
        return Parsed(None, problem="missing")
    whole = parse_slot(slot, list(heard), council, question.values)
    if whole.value is not None or slot.type == "postcode":
        return whole
    part = spoken_digits(heard[0])
    fixed = correct(str(question.pending), part) if part and question.pending else None
    if fixed is None:
        return Parsed(None, problem="missing")
    spliced = parse_slot(slot, [fixed], council, question.values)
    return Parsed(spliced.value, unsure=True, problem=spliced.problem, raw=spliced.raw)


def _wanted(options: tuple[str, ...], flows: FlowSet) -> list[tuple[str, SlotDef]]:
    """The identifying slots the offered intents' flows ask for."""
    found: dict[str, SlotDef] = {}
    for option in options:
        for name, slot in flows.intents[option][0].slots.items():
            if slot.type in _IDENTIFYING:
                found.setdefault(name, slot)
    return list(found.items())


def _complete(question: Question, text: str, globals_: tuple[IntentScore, ...],
              services: tuple[IntentScore, ...], council: CouncilData) -> bool:
    """Whether the words already make a whole answer: yes/no to a yes/no question, a whole
    value for a slot, an unmistakable request (a service, or an agent, a goodbye) after an
    open one."""
    if question.mode in {Mode.CONFIRMING, Mode.ANYTHING_ELSE}:
        return yes_or_no(text) is not None
    if question.mode is Mode.ASKING and question.slot is not None:
        return slot_complete(question.slot, text, council, question.values)
    if question.mode is Mode.OFFERED and yes_or_no(text) is not None:
        return True
    if question.mode in OPEN_MODES:
        return clear_request(services) or clear_global(globals_, services)
    return False


def _choice(text: str, options: tuple[str, ...], flows: FlowSet) -> str | None:
    """The clarifying option the caller named: by a word of its name that the other options'
    names do not share ("the balance", "the missed one"), by position ("the second"), or by a
    plain yes when only one was offered."""
    if not options:
        return None
    if len(options) == 1 and yes_or_no(text) is True:
        return options[0]
    said = set(content(text))
    names = {option: set(content(flows.intent_name(option))) for option in options}
    shared = set.intersection(*names.values()) if len(names) > 1 else set()
    named = [option for option, words in names.items() if said & (words - shared)]
    if len(named) == 1:
        return named[0]
    words = re.findall(r"[a-z0-9]+", text.lower())
    for word, index in _ORDINALS.items():
        if word in words:
            return options[index]
    return None


def routed(reading: Reading) -> str:
    """The intent the dialogue would act on after an open question: a global request, a
    service, ``out_of_scope``, or ``none`` (the caller would be asked to clarify). The intent
    benchmark measures exactly this."""
    if reading.choice is not None:
        return reading.choice
    return reading.request.intent if reading.request is not None else "none"


def explain(reading: Reading) -> list[str]:
    """The reading as a few lines for a person (``voicebot chat --explain``)."""

    def top(scores: tuple[IntentScore, ...]) -> str:
        return ", ".join(f"{s.intent} {s.score:.2f}" for s in scores[:3]) or "-"

    lines = [f"heard: {' | '.join(reading.heard) or '-'}"
             + (" (keyed)" if reading.keyed else f" (confidence {reading.confidence:.2f})"),
             f"situation: {reading.situation}; globals: {top(reading.globals)}",
             f"services: {top(reading.services)}"]
    request_ = reading.request
    lines.append("request: " + (f"{request_.kind} {request_.intent} ({request_.score:.2f})"
                                if request_ else "none"))
    if reading.value is not None:
        value = reading.value
        shown = value.value if value.value is not None else f"none ({value.problem or 'missing'})"
        lines.append(f"slot {reading.slot}: {shown}" + (" (unsure)" if value.unsure else ""))
    extras = [f"yes/no: {reading.yes_no}" if reading.yes_no is not None else "",
              f"choice: {reading.choice}" if reading.choice else "",
              "complete" if reading.complete else "",
              "out of scope" if reading.out_of_scope else ""]
    if any(extras):
        lines.append("; ".join(e for e in extras if e))
    return lines


__all__ = ["OUT_OF_SCOPE", "Question", "Reading", "agreed_value", "explain", "heard_words",
           "prepare", "read", "routed", "sure_value"]
