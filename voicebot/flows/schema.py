"""The shape of a flow file, as pydantic models (unknown keys are errors, with a hint).

A step's kind is the key it carries (``say``, ``ask``, ``lookup``/``act``, ``transfer``,
``end``), as in Rasa; ``next`` is a step id, or a list of ``{if, then}`` ending in ``{else}``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SlotType = Literal["postcode", "address", "account", "yes_no", "choice", "date", "number", "text",
                   "phone", "window"]
SPECIAL_TARGETS = ("anything_else", "goodbye", "agent")
"""Step ids every flow may jump to: the anything-else question, the goodbye, an agent."""
OUT_OF_SCOPE = "out_of_scope"
"""The pseudo-intent for requests understood but not served on this line (main.yaml)."""
GLOBAL_INTENTS = ("agent", "repeat", "goodbye", "menu")
AFTER_HOURS = "after_hours"
"""The flow the bot runs by itself when the team a caller needs is closed or too busy (a
call back, a message); ``after_hours.yaml``."""
AFTER_HOURS_ENTRIES = ("offer", "person_again", "last_resort")
"""Its steps the bot enters at: the first time a caller cannot be put through, the second
(they asked for a person again), and any time after."""
AFTER_HOURS_ACTIONS = ("book_callback", "leave_message")
"""Actions only the after-hours flow uses; the dialogue itself carries them out."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True,
                              use_attribute_docstrings=True)


LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
"""A two-letter language code: ``en`` (English, every line's default), ``cy`` (Welsh)."""
DEFAULT_LANGUAGE = "en"


class Wording(Strict):
    """One language's words for a prompt, and the recording that says them."""

    text: str
    """What the bot says. Always kept: it is the transcript, what the agent desktop shows and
    what conversation tests check; it is synthesised when there is no recording."""
    audio: str | list[str] | None = None
    """Recorded audio (WAV, any sample rate), as a path from the flows folder
    (``recordings/en/greeting.wav``). A prompt with {placeholders} takes one file per fixed
    part between them (the placeholders' values are synthesised): a list, in order."""


Prompt = str | Wording | dict[LanguageCode, str | Wording]
"""What the bot says: plain text (English, synthesised), a ``Wording`` (text and recording),
or one of those per language (``{en: ..., cy: ...}``)."""


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
    """For ``address``: the postcode slot the address must be at. For ``window`` (a call-back
    time): ``team``, whose offered windows the answer picks from."""
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
    say: Prompt
    interruptible: bool = True


class AskStep(StepBase):
    ask: str
    prompt: Prompt
    reprompt: Prompt | None = None
    confirm_prompt: Prompt | None = None
    """Asked when the value heard is uncertain, e.g. "Is that {postcode}?"."""
    invalid: Prompt | None = None
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
    say_before: Prompt | None = None
    emergency: bool = False
    """An emergency: put through to the team's emergency line at any hour (when it has one
    answering), else to the team as usual."""


class EndStep(StepBase):
    end: Prompt


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
    """What the bot says between and around requests (any may be recorded, or per language)."""

    greeting: Prompt
    menu: Prompt
    anything_else: Prompt
    what_else: Prompt
    goodbye: Prompt
    clarify: Prompt
    not_understood: Prompt
    not_heard: Prompt
    silence: Prompt
    silence_offer: Prompt
    silence_final: Prompt
    transfer: Prompt
    closed: Prompt
    confirm_no: Prompt
    clarify_again: Prompt
    """The clarifying question asked once more, in other words: "{options}" as in clarify."""
    out_of_scope: Prompt
    """Said to a request understood but not served here; should offer a person."""
    language_unavailable: Prompt | None = None
    """Said, in the language chosen, when no one who speaks it is there and the bot cannot go
    on in it; the call then carries on in English. Needed when ``languages`` offers one."""


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


class LanguageChoice(Strict):
    """A language the caller may choose instead of English (the Welsh line: ``cy``)."""

    keypad: str = Field(pattern=r"^[1-9]$")
    """The key that chooses it; the greeting in that language should say so ("i barhau yn
    Gymraeg, pwyswch 1")."""
    words: list[str] = Field(min_length=1)
    """Words that choose it when said at an open question ("Cymraeg", "Welsh")."""


class MainFile(Strict):
    flow: Literal["main"]
    description: str = ""
    prompts: MainPrompts
    globals: dict[Literal["agent", "repeat", "goodbye", "menu"], IntentDef]
    teams: dict[str, str | dict[LanguageCode, str]] = {}
    """Team key -> how the bot names it ("council tax"), or per language."""
    out_of_scope: OutOfScopeDef | None = None
    not_understood: NotUnderstood = Field(default_factory=NotUnderstood)
    languages: dict[LanguageCode, LanguageChoice] = {}
    """Languages offered besides English (``cy: {keypad: "1", words: [Cymraeg, Welsh]}``).
    The greeting is then said in each of them first, then in English, and every prompt needs
    a text in each (``voicebot flows check`` says which do not)."""
