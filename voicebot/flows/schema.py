"""The shape of a flow file, as pydantic models (unknown keys are errors, with a hint).

A step's kind is the key it carries (``say``, ``ask``, ``lookup``/``act``, ``transfer``,
``end``), as in Rasa; ``next`` is a step id, or a list of ``{if, then}`` ending in ``{else}``.

These models are also the source of the JSON Schema that editors use (``voicebot flows
schema``): the docstring under each field is its description there, so every field has one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from voicebot.flows.keyed import OneKeyOf

SlotType = Literal["postcode", "address", "account", "yes_no", "choice", "date", "number", "text"]
SPECIAL_TARGETS = ("anything_else", "goodbye", "agent")
"""Step ids every flow may jump to: the anything-else question, the goodbye, an agent."""


class Strict(BaseModel):
    """Unknown keys are errors, and values are taken as written (no "2" for 2, no true for 1),
    so the loader accepts exactly what the JSON Schema made from these models accepts."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True,
                              use_attribute_docstrings=True)


class IntentDef(Strict):
    """Something a caller may ask for, and how to recognise it."""

    examples: list[str] = Field(min_length=1)
    """How residents really say it, one phrase each; similar wordings match too."""
    keywords: list[str] = []
    """Words or short phrases that give this intent away ("missed", "bin day")."""
    start: str | None = None
    """Step id where this intent begins; default: the flow's first step."""
    name: str = ""
    """How the bot names this option when it asks which one the caller meant."""


class SlotDef(Strict):
    """An answer the bot asks for, kept for the rest of the call as ``{name}``."""

    type: SlotType
    """What kind of answer: postcode, address, account, yes_no, choice, date, number or text."""
    at: str | None = None
    """For ``address``: the postcode slot the address must be at."""
    options: list[str] = []
    """For ``choice``: the options the caller can choose from."""
    digits: int | None = None
    """For ``account``: how many digits make a whole number (keypad entry ends there)."""
    confirm: Literal["always", "unsure", "never"] = "unsure"
    """When to read the answer back for a yes/no: always, only when unsure of it, or never."""


class Branch(Strict):
    """One case of a ``next`` list: go to ``then`` if the condition holds."""

    if_: str = Field(alias="if")
    """A condition: ``name``, ``not name``, ``name.field``, ``name is empty``,
    ``name == 'text'``, joined with ``and`` / ``or``."""
    then: str
    """The step id to go to when the condition holds."""


class Otherwise(Strict):
    """The last case of a ``next`` list: where to go when no condition held."""

    else_: str = Field(alias="else")
    """The step id to go to when no condition above held."""


Next = str | list[Branch | Otherwise]


class StepBase(Strict):
    id: str | None = None
    """A name for this step, so that ``next``, ``start`` and ``on_fail`` can point at it."""
    next: Next | None = None
    """Where to go after this step: a step id, ``anything_else``, ``goodbye``, ``agent``, or a
    list of ``- if: / then:`` cases ending with ``- else:``. Without it, the step below runs."""


class SayStep(StepBase):
    """Says something and carries on."""

    say: str
    """What to say; ``{slot}`` and ``{lookup.field}`` are filled in during the call."""
    interruptible: bool = True
    """Whether the caller can talk over it; false for notices they must hear in full."""


class AskStep(StepBase):
    """Asks for a slot and waits for the answer."""

    ask: str
    """The slot to fill (declared under ``slots:``)."""
    prompt: str
    """The question, asked first."""
    reprompt: str | None = None
    """Asked again when the answer was not understood; default: the prompt."""
    confirm_prompt: str | None = None
    """Asked when the value heard is uncertain, e.g. "Is that {postcode}?"."""
    invalid: str | None = None
    """Said when the answer is well-formed but unknown (a postcode not in the council's area)."""
    retries: int = Field(2, ge=0, le=5)
    """How many failed answers before giving up (0 to 5)."""
    on_fail: str | None = None
    """Step id after too many failed answers; default: an agent."""


class LookupStep(StepBase):
    """Looks something up in the council's data, or does something there (``act:``)."""

    lookup: str
    """The named action, e.g. ``next_collections``, or ``http`` for the council's own systems."""
    into: str
    """The name the result is kept under: ``{into.field}`` in prompts and conditions."""
    url: str | None = None
    """For ``http``: the address of the council's system to call."""
    send: list[str] = []
    """For ``http``: the slots sent to it."""
    timeout: float = 5.0
    """For ``http``: seconds to wait for an answer before treating it as failed."""


class TransferStep(StepBase):
    """Passes the caller to a person."""

    transfer: str
    """The team to transfer to (a key of ``teams`` in settings or main.yaml)."""
    reason: str
    """Why, for the agent's screen and the figures."""
    summary: str = ""
    """The one line the agent hears before the caller is connected; ``{slot}`` allowed."""
    say_before: str | None = None
    """Said to the caller before the transfer; default: main.yaml's ``transfer`` prompt."""


class EndStep(StepBase):
    """Says something and ends the call."""

    end: str
    """The last thing the caller hears."""


Step = SayStep | AskStep | LookupStep | TransferStep | EndStep
STEP_KINDS: dict[str, type[StepBase]] = {
    "say": SayStep, "ask": AskStep, "lookup": LookupStep, "act": LookupStep,
    "transfer": TransferStep, "end": EndStep,
}


class FlowFile(Strict):
    """A call flow: the intents it answers, the answers it asks for, and its steps."""

    flow: str
    """The flow's name (``main`` is the greeting and what works anywhere in a call)."""
    description: str = ""
    """What this flow is for, for the people who maintain it."""
    intents: dict[str, IntentDef] = {}
    """What callers may ask for in this flow, by name."""
    slots: dict[str, SlotDef] = {}
    """The answers this flow asks for, by name."""
    steps: list[Annotated[dict[str, Any], OneKeyOf(STEP_KINDS)]] = []
    """What the bot does, in order: each step is one of say, ask, lookup, act, transfer, end."""


class MainPrompts(Strict):
    """What the bot says between and around requests."""

    greeting: str
    """The first thing a caller hears."""
    menu: str
    """What the bot can do, when the caller asks or is lost."""
    anything_else: str
    """Asked when a request is done."""
    what_else: str
    """Asked when the caller says yes to ``anything_else``."""
    goodbye: str
    """The last thing said on a call the bot finished."""
    clarify: str
    """Asked when a request could be one of several; ``{options}`` lists them."""
    not_understood: str
    """Said when the words were heard but not understood."""
    not_heard: str
    """Said when nothing clear was heard; ``{question}`` repeats what was asked."""
    silence: str
    """Said after the first silence; ``{question}`` repeats what was asked."""
    silence_offer: str
    """Said after the second silence: how to reach a person."""
    silence_final: str
    """Said before ending a call that stays silent."""
    transfer: str
    """Said before a transfer; ``{team}`` is the team's spoken name."""
    closed: str
    """Said when the team is closed; ``{closed}`` says when it opens."""
    confirm_no: str
    """Said when the caller says a value read back to them is wrong."""


class MainFile(Strict):
    """main.yaml: the greeting, the prompts between requests, and what works anywhere."""

    flow: Literal["main"]
    """Always ``main`` for this file."""
    description: str = ""
    """What this file is for, for the people who maintain it."""
    prompts: MainPrompts
    """What the bot says between and around requests."""
    globals: dict[Literal["agent", "repeat", "goodbye", "menu"], IntentDef]
    """What callers can say at any time: ask for an agent, a repeat, goodbye, or the menu."""
    teams: dict[str, str] = {}
    """Team key -> how the bot names it ("council tax")."""
