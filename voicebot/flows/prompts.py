"""Prompts as staff write them: text per language, and the recordings that say them.

A prompt in a flow file is plain text (English, synthesised), a ``Wording`` (text and
recording), or one of those per language. This module reads any of the three the same way, and
lists every prompt of a flow set with the place it was written, for the checks, the recordings
and ``voicebot prompts``. Pure data: nothing here loads audio.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from voicebot.flows.loader import LoadedFlow, LoadedMain, Located
from voicebot.flows.schema import DEFAULT_LANGUAGE, Prompt, Wording
from voicebot.flows.templates import PLACEHOLDER

STEP_PROMPTS = ("say", "prompt", "reprompt", "confirm_prompt", "invalid", "say_before", "end")
"""The keys of a step whose value is something the bot says."""
_WORDY = re.compile(r"\w")


def wordings(prompt: Prompt | None) -> dict[str, Wording]:
    """Every language's wording of ``prompt`` (plain text is English)."""
    if prompt is None:
        return {}
    if isinstance(prompt, str):
        return {DEFAULT_LANGUAGE: Wording(text=prompt)}
    if isinstance(prompt, Wording):
        return {DEFAULT_LANGUAGE: prompt}
    return {language: Wording(text=w) if isinstance(w, str) else w
            for language, w in prompt.items()}


def text_in(prompt: Prompt, language: str) -> str:
    """The text to say in ``language``; English when the prompt has no such text."""
    found = wordings(prompt)
    chosen = found.get(language) or found.get(DEFAULT_LANGUAGE) or next(iter(found.values()))
    return chosen.text


def all_texts(prompt: Prompt | None) -> list[str]:
    """The prompt's text in every language it has."""
    return [wording.text for wording in wordings(prompt).values()]


def recorded_parts(template: str) -> list[str]:
    """The fixed parts of a template that a person records: the words between placeholders.

    "Your next collections at {address} are: {collections.spoken}." has two ("Your next
    collections at", "are:"); the final "." has no words, so it is not recorded.
    """
    parts = (" ".join(part.split()) for part in PLACEHOLDER.sub("\0", template).split("\0"))
    return [part for part in parts if _WORDY.search(part)]


def audio_files(wording: Wording) -> list[str]:
    if wording.audio is None:
        return []
    return [wording.audio] if isinstance(wording.audio, str) else list(wording.audio)


@dataclass(frozen=True)
class PromptPlace:
    """One prompt in a flow file: its name, its file and the keys that lead to it."""

    name: str
    """``main.greeting``, ``bins.ask_postcode.prompt``, ``bins.step12.say``."""
    file: Path
    keys: tuple[str | int, ...]
    prompt: Prompt
    where: Located

    def position(self, *more: str | int) -> tuple[int, int]:
        problem = self.where.at(*self.keys, *more, message="")
        return problem.line, problem.column

    def language_keys(self, language: str) -> tuple[str | int, ...]:
        """Keys to one language's wording (plain text and a bare wording are English)."""
        return (*self.keys, language) if isinstance(self.prompt, dict) else self.keys


def places(flows: list[LoadedFlow], main: LoadedMain | None) -> Iterator[PromptPlace]:
    """Every prompt of a flow set, in file order."""
    if main is not None:
        for name in type(main.spec.prompts).model_fields:
            prompt = getattr(main.spec.prompts, name)
            if prompt is not None:
                yield PromptPlace(f"main.{name}", main.file, ("prompts", name), prompt,
                                  main.where)
    for flow in flows:
        for index, step in enumerate(flow.steps):
            label = step.id or f"step{index + 1}"
            for key in STEP_PROMPTS:
                prompt = getattr(step, key, None)
                if prompt is not None:
                    yield PromptPlace(f"{flow.spec.flow}.{label}.{key}", flow.file,
                                      ("steps", index, key), prompt, flow.where)


@dataclass(frozen=True)
class Recording:
    """A prompt said in one language from recordings: what the speech side loads and plays.

    ``files`` has one file per part of ``recorded_parts(text)``; ``line`` and ``column`` are
    where the files were named, for problems with them.
    """

    name: str
    language: str
    text: str
    files: tuple[Path, ...]
    source: Path
    line: int
    column: int


def recordings(folder: Path, found: Iterator[PromptPlace]) -> list[Recording]:
    """The recorded wordings among ``found``, with their files resolved from ``folder``."""
    result = []
    for place in found:
        for language, wording in wordings(place.prompt).items():
            files = audio_files(wording)
            if not files:
                continue
            line, column = place.position(*place.language_keys(language)[len(place.keys):],
                                          "audio")
            result.append(Recording(place.name, language, wording.text,
                                    tuple(folder / f for f in files), place.file, line, column))
    return result
