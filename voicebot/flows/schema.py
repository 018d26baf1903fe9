"""The shape of a flow file, as pydantic models (unknown keys are errors, with a hint).

A step's kind is the key it carries (``say``, ``ask``, ``lookup``/``act``, ``transfer``,
``end``), as in Rasa; ``next`` is a step id, or a list of ``{if, then}`` ending in ``{else}``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SlotType = Literal["postcode", "address", "account", "yes_no", "choice", "date", "number", "text"]
SPECIAL_TARGETS = ("anything_else", "goodbye", "agent")
"""Step ids every flow may jump to: the anything-else question, the goodbye, an agent."""
OUT_OF_SCOPE = "out_of_scope"
"""The pseudo-intent for requests understood but not served on this line (main.yaml)."""
GLOBAL_INTENTS = ("agent", "repeat", "goodbye", "menu")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class IntentDef(Strict):
    examples: list[str] = Field(min_length=1)
    keywords: list[str] = []
    start: str | None = None
    """Step id where this intent begins; default: the flow's first step."""
    name: str = ""
    """How the bot names this option when it asks which one the caller meant."""


class SlotDef(Strict):
    type: SlotType
    at: str | None = None
    """For ``address``: the postcode slot the address must be at."""
    options: list[str] = []
    digits: int | None = None
    """For ``account``: how many digits make a whole number (keypad entry ends there)."""
    confirm: Literal["always", "unsure", "spoken", "never"] = "unsure"
    """Read the value back: always, when unsure of it, whenever it was spoken (not keyed),
    or never."""


class Branch(Strict):
    if_: str = Field(alias="if")
    then: str


class Otherwise(Strict):
    else_: str = Field(alias="else")


Next = str | list[Branch | Otherwise]


class StepBase(Strict):
    id: str | None = None
    next: Next | None = None


class SayStep(StepBase):
    say: str
    interruptible: bool = True


class AskStep(StepBase):
    ask: str
    prompt: str
    reprompt: str | None = None
    confirm_prompt: str | None = None
    """Asked when the value heard is uncertain, e.g. "Is that {postcode}?"."""
    invalid: str | None = None
    """Said when the answer is well-formed but unknown (a postcode not in the council's area)."""
    retries: int = Field(2, ge=0, le=5)
    on_fail: str | None = None
    """Step id after too many failed answers; default: an agent."""


class LookupStep(StepBase):
    lookup: str
    into: str
    url: str | None = None
    send: list[str] = []
    timeout: float = 5.0


class TransferStep(StepBase):
    transfer: str
    reason: str
    summary: str = ""
    say_before: str | None = None


class EndStep(StepBase):
    end: str


Step = SayStep | AskStep | LookupStep | TransferStep | EndStep
STEP_KINDS: dict[str, type[StepBase]] = {
    "say": SayStep, "ask": AskStep, "lookup": LookupStep, "act": LookupStep,
    "transfer": TransferStep, "end": EndStep,
}


class FlowFile(Strict):
    flow: str
    description: str = ""
    intents: dict[str, IntentDef] = {}
    slots: dict[str, SlotDef] = {}
    steps: list[dict[str, Any]] = []


class MainPrompts(Strict):
    greeting: str
    menu: str
    anything_else: str
    what_else: str
    goodbye: str
    clarify: str
    not_understood: str
    not_heard: str
    silence: str
    silence_offer: str
    silence_final: str
    transfer: str
    closed: str
    confirm_no: str
    clarify_again: str
    """The clarifying question asked once more, in other words: "{options}" as in clarify."""
    out_of_scope: str
    """Said to a request understood but not served here; should offer a person."""


class OutOfScopeDef(Strict):
    """Requests this line does not serve, ranked like an intent so they are recognised."""

    examples: list[str] = Field(min_length=1)
    keywords: list[str] = []


class NotUnderstood(Strict):
    """How patient the bot is with words it cannot place."""

    clarify: int = Field(default=2, ge=0, le=3)
    """Per request: clarifying questions ("Is it about A, or B?"), the second in other words."""
    menu: int = Field(default=1, ge=0, le=3)
    """Per request: then the menu is offered this many times; then a person."""
    per_call: int = Field(default=4, ge=1, le=10)
    """In the whole call: turns not understood before a person, whatever the request."""


class MainFile(Strict):
    flow: Literal["main"]
    description: str = ""
    prompts: MainPrompts
    globals: dict[Literal["agent", "repeat", "goodbye", "menu"], IntentDef]
    teams: dict[str, str] = {}
    """Team key -> how the bot names it ("council tax")."""
    out_of_scope: OutOfScopeDef | None = None
    not_understood: NotUnderstood = Field(default_factory=NotUnderstood)
