"""The shape of a flow file, as pydantic models (unknown keys are errors, with a hint).

A step's kind is the key it carries (``say``, ``ask``, ``lookup``/``act``, ``transfer``,
``end``), as in Rasa; ``next`` is a step id, or a list of ``{if, then}`` ending in ``{else}``.

These models are also the source of the JSON Schema that editors use (``voicebot flows
schema``): the docstring under each field is its description there, so every field has one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from voicebot.flows.keyed import OneKeyOf

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
    """Unknown keys are errors, and values are taken as written (no "2" for 2, no true for 1),
    so the loader accepts exactly what the JSON Schema made from these models accepts."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True,
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
    """For ``address``: the postcode slot the address must be at. For ``window`` (a call-back
    time): ``team``, whose offered windows the answer picks from."""
    options: list[str] = []
    """For ``choice``: the options the caller can choose from."""
    digits: int | None = None
    """For ``account``: how many digits make a whole number (keypad entry ends there)."""
    confirm: Literal["always", "unsure", "spoken", "never"] = "unsure"
    """Read the value back: always, when unsure of it, whenever it was spoken (not keyed),
    or never."""


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

    say: Prompt
    """What to say; ``{slot}`` and ``{lookup.field}`` are filled in during the call."""
    interruptible: bool = True
    """Whether the caller can talk over it; false for notices they must hear in full."""


class AskStep(StepBase):
    """Asks for a slot and waits for the answer."""

    ask: str
    """The slot to fill (declared under ``slots:``)."""
    prompt: Prompt
    """The question, asked first."""
    reprompt: Prompt | None = None
    """Asked again when the answer was not understood; default: the prompt."""
    confirm_prompt: Prompt | None = None
    """Asked when the value heard is uncertain, e.g. "Is that {postcode}?"."""
    invalid: Prompt | None = None
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
    say_before: Prompt | None = None
    """Said to the caller before the transfer; default: main.yaml's ``transfer`` prompt."""
    emergency: bool = False
    """An emergency: put through to the team's emergency line at any hour (when it has one
    answering), else to the team as usual."""


class EndStep(StepBase):
    """Says something and ends the call."""

    end: Prompt
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
    """What the bot says between and around requests (any may be recorded, or per language)."""

    greeting: Prompt
    """The first thing a caller hears."""
    menu: Prompt
    """What the bot can do, when the caller asks or is lost."""
    anything_else: Prompt
    """Asked when a request is done."""
    what_else: Prompt
    """Asked when the caller says yes to ``anything_else``."""
    goodbye: Prompt
    """The last thing said on a call the bot finished."""
    clarify: Prompt
    """Asked when a request could be one of several; ``{options}`` lists them."""
    not_understood: Prompt
    """Said when the words were heard but not understood."""
    not_heard: Prompt
    """Said when nothing clear was heard; ``{question}`` repeats what was asked."""
    silence: Prompt
    """Said after the first silence; ``{question}`` repeats what was asked."""
    silence_offer: Prompt
    """Said after the second silence: how to reach a person."""
    silence_final: Prompt
    """Said before ending a call that stays silent."""
    transfer: Prompt
    """Said before a transfer; ``{team}`` is the team's spoken name."""
    closed: Prompt
    """Said when the team is closed; ``{closed}`` says when it opens."""
    confirm_no: Prompt
    """Said when the caller says a value read back to them is wrong."""
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
    """Requests callers make that this line does not handle, as they would say them."""
    keywords: list[str] = []
    """Words that on their own point to such a request ("parking", "library")."""


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


class SatisfactionDef(Strict):
    """The post-call question behind the GOV.UK user-satisfaction figure. Off unless ``ask``."""

    ask: bool = False
    """``true``: before a call the bot finished itself ends, the caller is asked for a score."""
    question: Prompt = (
        "Before you go, how satisfied were you with this call, on a scale of 1 to 5, where 5 is "
        "very satisfied? Press a key from 1 to 5, or just hang up.")
    """The question; say how to answer (a key from 1 to 5) and that it can be skipped."""
    thanks: Prompt = "Thank you for telling us. Goodbye."
    """Said after a score is given, before the call ends."""


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
    teams: dict[str, str | dict[LanguageCode, str]] = {}
    """Team key -> how the bot names it ("council tax"), or per language."""
    out_of_scope: OutOfScopeDef | None = None
    """Requests understood but not served on this line: the caller hears the ``out_of_scope``
    prompt (what the line can do, or a person)."""
    not_understood: NotUnderstood = Field(default_factory=NotUnderstood)
    """How many times the bot asks again before it offers the menu, then a person."""
    satisfaction: SatisfactionDef = Field(default_factory=SatisfactionDef)
    """The post-call satisfaction question (off by default)."""
    languages: dict[LanguageCode, LanguageChoice] = {}
    """Languages offered besides English (``cy: {keypad: "1", words: [Cymraeg, Welsh]}``).
    The greeting is then said in each of them first, then in English, and every prompt needs
    a text in each (``voicebot flows check`` says which do not)."""
