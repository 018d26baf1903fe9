"""The caller's choice of language: the bilingual greeting, and what choosing Welsh does.

A line that offers Welsh (``languages: {cy: ...}`` in main.yaml) greets in Welsh first, then
in English (Welsh Language Standards 8-10). A caller chooses Welsh by key or by saying so at
any open question. If the bot holds calls in Welsh (``conversation_languages`` in the settings)
the call goes on in Welsh; otherwise the caller is put straight through to the Welsh-speaking
agents, with the same context, whenever they are open (and told so, then served in English,
when they are not: the place for a call-back offer, issue #13).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

from voicebot.events import CallEventType
from voicebot.flows.actions import Action, CallerTurn, Expectation
from voicebot.flows.prompts import text_in
from voicebot.flows.registry import FlowSet
from voicebot.flows.replies import Replies
from voicebot.flows.schema import DEFAULT_LANGUAGE, LanguageChoice
from voicebot.flows.state import CallState, Mode

CHOOSING_MODES = frozenset({Mode.MENU, Mode.ANYTHING_ELSE, Mode.CLARIFYING})
"""Open questions, where a caller may ask for another language instead of a service."""


class LanguageLine:
    """One call's language: offered at the greeting, chosen by key or by name."""

    def __init__(self, flows: FlowSet, state: CallState, replies: Replies,
                 conversing: Iterable[str], emit: Callable[..., None]) -> None:
        self.flows = flows
        self.state = state
        self.replies = replies
        self.conversing = frozenset(conversing) | {DEFAULT_LANGUAGE}
        self._emit = emit

    def greeting(self) -> list[Action]:
        """The greeting in each language offered, first, and then in English."""
        greeting = self.flows.main.prompts.greeting
        said = [*(text_in(greeting, code) for code in self.flows.languages),
                text_in(greeting, DEFAULT_LANGUAGE)]
        actions = self.replies.reply(said, self.expect())
        for index, code in enumerate(self.flows.languages):
            actions[index] = self.replies.says([said[index]], code)[0]
        return actions

    def expect(self) -> Expectation:
        """After the greeting: the menu's words, and the words that choose a language."""
        menu = self.replies.expect_menu()
        words = tuple(w for c in self.flows.main.languages.values() for w in c.words)
        return Expectation(phrases=(*words, *menu.phrases), max_digits=menu.max_digits)

    def chosen(self, turn: CallerTurn) -> str | None:
        """The language this turn chooses: its key, or its name said at an open question."""
        if self.state.language != DEFAULT_LANGUAGE or self.state.mode not in CHOOSING_MODES:
            return None
        return choice_in(turn, self.flows.main.languages)

    async def choose(self, language: str) -> list[Action]:
        """Hold the call in ``language`` if the bot can; else its speakers, warm."""
        self.state.language = language
        self._emit(CallEventType.LANGUAGE, language=language)
        if language in self.conversing:
            self.state.flow = None
            return self.replies.menu([self.replies.prompt("menu")])
        return await self.replies.to_agent(
            f"caller chose to speak {_NAMES.get(language, language)}",
            f"caller chose {_NAMES.get(language, language)}")


_NAMES = {"cy": "Welsh"}


def choice_in(turn: CallerTurn, offered: Mapping[str, LanguageChoice]) -> str | None:
    """The language a turn names or keys, among those ``offered``."""
    heard = set(_words(turn.text))
    for code, choice in offered.items():
        if turn.digits and turn.digits == choice.keypad and not turn.text:
            return code
        if heard and any(set(_words(word)) <= heard for word in choice.words):
            return code
    return None


def _words(text: str) -> list[str]:
    """Lower-case words without accents ("Cymraeg", "cymraeg." and "CYMRÂEG" agree)."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9']+", plain)
