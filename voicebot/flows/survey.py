"""The post-call satisfaction question: the GOV.UK user-satisfaction figure, from the callers.

Off unless main.yaml says ``satisfaction: {ask: true}``. When a call the bot finished itself is
about to end (the caller wanted nothing else, or said goodbye), the bot asks the question
instead of hanging up. A key from 1 to 5, or the number said, is the answer; anything else, or
silence, skips it, and the call then ends just as it would have. Calls that end any other way
(a transfer, a call back, silence from the start) are not asked: the figure is about the bot.
The asking goes into the call's events as it happens (a caller who hangs up instead of answering
was still asked: the response rate counts them), then the answer if one came; the records keep
both with the call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from voicebot.events import CallEventType
from voicebot.flows.actions import Action, CallerTurn, Expectation, Hangup, Listen, Say
from voicebot.flows.prompts import text_in
from voicebot.flows.schema import SatisfactionDef

FINISHED = frozenset({"completed", "goodbye"})
"""Hang-up reasons of a call the bot finished itself (the others are silence, a call back...)."""
SCORES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "one": 1, "two": 2, "three": 3, "four": 4,
          "five": 5}
ANSWER_SECONDS = 8.0


class Survey:
    """One call's satisfaction question: asked at most once, and only when switched on."""

    def __init__(self, spec: SatisfactionDef, language: Callable[[], str],
                 emit: Callable[..., None]) -> None:
        self._spec = spec
        self._language = language
        self._emit = emit
        self._ending: Hangup | None = None
        self._asked = False

    @property
    def waiting(self) -> bool:
        """The question was asked and the answer (or silence) is awaited."""
        return self._ending is not None

    def before_ending(self, actions: list[Action]) -> list[Action]:
        """The actions, with the question in place of a finished call's hang-up."""
        if not self._spec.ask or self._asked or not actions:
            return actions
        ending = actions[-1]
        if not isinstance(ending, Hangup) or ending.reason not in FINISHED:
            return actions
        self._asked, self._ending = True, ending
        self._emit(CallEventType.SATISFACTION, asked=True, score=None)
        language = self._language()
        return [*actions[:-1], Say(_spoken(self._spec.question, language), language=language),
                Listen(Expectation(slot_type="number", options=tuple("12345"), max_digits=1,
                                   language=language), timeout=ANSWER_SECONDS)]

    def answer(self, turn: CallerTurn | None) -> list[Action]:
        """The caller's answer (None: silence), then the end the call was coming to."""
        score = _score(turn)
        if score is not None:
            self._emit(CallEventType.SATISFACTION, asked=True, score=score)
        ending, self._ending = self._ending, None
        assert ending is not None
        language = self._language()
        thanks = [Say(_spoken(self._spec.thanks, language), language=language)] if score else []
        return [*thanks, ending]


def _spoken(prompt: Any, language: str) -> str:
    return " ".join(text_in(prompt, language).split())


def _score(turn: CallerTurn | None) -> int | None:
    if turn is None:
        return None
    if turn.digits:
        return SCORES.get(turn.digits[:1])
    words = re.findall(r"[a-z0-9]+", turn.text.lower())
    scores = {SCORES[word] for word in words if word in SCORES}
    return scores.pop() if len(scores) == 1 else None
