"""The set of flows in service: built from a folder, checked whole, swapped atomically.

A change to a flow file is picked up without a restart. If the new set has any error it is
refused, the errors are logged with their places, and the last good set keeps serving; calls
already in progress keep the set they started with.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from voicebot.errors import FlowCheckError
from voicebot.flows.checks import check
from voicebot.flows.loader import LoadedFlow, LoadedMain, Problem, load_flow
from voicebot.flows.prompt_checks import prompt_problems
from voicebot.flows.prompts import PromptPlace, Recording, places, recordings, text_in
from voicebot.flows.schema import (
    DEFAULT_LANGUAGE,
    OUT_OF_SCOPE,
    IntentDef,
    MainFile,
    SlotDef,
    Step,
)
from voicebot.flows.templates import PLACEHOLDER
from voicebot.language.embeddings import Embedder
from voicebot.language.intents import IntentRouter, IntentSpec

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Flow:
    name: str
    file: Path
    description: str
    slots: dict[str, SlotDef]
    steps: list[Step]
    ids: dict[str, int]


@dataclass
class FlowSet:
    """Everything the engine needs, immutable once built."""

    main: MainFile
    flows: dict[str, Flow]
    intents: dict[str, tuple[Flow, IntentDef]]
    router: IntentRouter
    globals: IntentRouter
    loaded_at: float = field(default_factory=time.time)
    files: tuple[str, ...] = ()
    prompts: tuple[PromptPlace, ...] = ()
    """Every prompt, with where it was written (``voicebot prompts``)."""
    recordings: tuple[Recording, ...] = ()
    audio: object = None
    """The recordings as the speech side loaded them for this set (its ``PromptBook``), so a
    call plays the recordings of the flows it started with."""

    def fixed_prompts(self, language: str = DEFAULT_LANGUAGE) -> list[str]:
        """Prompts with no placeholders: the same every call, worth synthesising once."""
        kinds = {"say", "prompt", "reprompt", "end"}
        texts = [text_in(place.prompt, language) for place in self.prompts
                 if place.name.startswith("main.") or place.name.rsplit(".", 1)[-1] in kinds]
        return [t for t in texts if not PLACEHOLDER.search(t)]

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages offered besides English (``cy`` on a Welsh line)."""
        return tuple(self.main.languages)

    def intent_name(self, intent: str) -> str:
        spec = self.intents[intent][1]
        return spec.name or intent.replace("_", " ")


PrepareAudio = Callable[[list[Recording]], tuple[object, list[tuple[Recording, str]]]]
"""Loads and checks the recordings a set names: (what calls play, each file's problem)."""


def build(folder: Path, actions: Iterable[str], teams: Iterable[str],
          embedder: Embedder | Literal["shared"] | None = "shared",
          prepare_audio: PrepareAudio | None = None) -> FlowSet | list[Problem]:
    """Load and check every ``*.yaml`` in ``folder`` (not its tests); a set, or all problems.

    The routers embed the intents' examples with ``embedder`` (the shared model by default,
    None for words only). ``prepare_audio`` loads the recorded prompts (a missing or bad
    file is a problem like any other, so a change with one is refused as a whole).
    """
    files = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    if not files:
        return [Problem(folder, 1, 1, "no flow files (*.yaml) in this folder")]
    problems: list[Problem] = []
    flows: list[LoadedFlow] = []
    main: LoadedMain | None = None
    for file in files:
        loaded = load_flow(file)
        if isinstance(loaded, list):
            problems += loaded
        elif isinstance(loaded, LoadedMain):
            main = loaded
        else:
            flows.append(loaded)
    problems += check(flows, main, actions, teams)
    found = list(places(flows, main))
    problems += prompt_problems(found, main)
    recorded = recordings(folder, iter(found))
    audio: object = None
    if prepare_audio is not None and not problems:
        audio, failures = prepare_audio(recorded)
        problems += [Problem(r.source, r.line, r.column, message) for r, message in failures]
    if problems or main is None:
        return problems or [Problem(folder / "main.yaml", 1, 1, "main.yaml is missing")]
    by_name = {f.spec.flow: Flow(f.spec.flow, f.file, f.spec.description, dict(f.spec.slots),
                                 f.steps, f.ids) for f in flows}
    intents = {name: (by_name[f.spec.flow], spec) for f in flows
               for name, spec in f.spec.intents.items()}
    specs = {n: IntentSpec(tuple(s.examples), tuple(s.keywords)) for n, (_, s) in intents.items()}
    if main.spec.out_of_scope is not None:
        # Ranked with the services, so "not served here" is recognised as surely as a service.
        outside = main.spec.out_of_scope
        specs[OUT_OF_SCOPE] = IntentSpec(tuple(outside.examples), tuple(outside.keywords))
    router = IntentRouter(specs, embedder)
    globals_router = IntentRouter({n: IntentSpec(tuple(s.examples), tuple(s.keywords))
                                   for n, s in main.spec.globals.items()}, embedder)
    return FlowSet(main.spec, by_name, intents, router, globals_router,
                   files=tuple(str(f) for f in files), prompts=tuple(found),
                   recordings=tuple(recorded), audio=audio)


class FlowRegistry:
    """The last good flow set, reloaded when the files change."""

    def __init__(self, folder: Path, actions: Iterable[str], teams: Iterable[str],
                 prepare_audio: PrepareAudio | None = None) -> None:
        self.folder = folder
        self._actions, self._teams = list(actions), list(teams)
        self._prepare_audio = prepare_audio
        self.problems: list[Problem] = []
        self._stamp = self._mtimes()
        built = build(folder, self._actions, self._teams, prepare_audio=prepare_audio)
        if isinstance(built, list):
            raise FlowCheckError("flows-invalid", "the call flows have errors:\n  "
                                 + "\n  ".join(str(p) for p in built))
        self.current: FlowSet = built
        self._stamp = self._mtimes()

    def _mtimes(self) -> dict[str, float]:
        """The flow files' times, and the recordings' (a prompt re-recorded, or a missing
        recording put in place, is picked up like an edit)."""
        current: FlowSet | None = getattr(self, "current", None)
        recorded = [f for r in current.recordings for f in r.files] if current else []
        stamp = {}
        for path in [*self.folder.glob("*.yaml"), *self.folder.rglob("*.wav"), *recorded]:
            try:
                stamp[str(path)] = path.stat().st_mtime
            except OSError:
                stamp[str(path)] = -1.0
        return stamp

    def reload_if_changed(self) -> bool:
        """Rebuild when a file changed; True when a new set went into service."""
        stamp = self._mtimes()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        built = build(self.folder, self._actions, self._teams,
                      prepare_audio=self._prepare_audio)
        if isinstance(built, list):
            self.problems = built
            _LOGGER.error("flow change refused; the last good flows keep serving:\n  %s",
                          "\n  ".join(str(p) for p in built))
            return False
        self.problems = []
        self.current = built
        self._stamp = self._mtimes()
        _LOGGER.info("flows reloaded: %s", ", ".join(sorted(built.flows)))
        return True

    async def watch(self, interval: float = 1.0) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                # In a thread: a changed set embeds its new intent examples (tens of ms each).
                await asyncio.to_thread(self.reload_if_changed)
            except Exception:
                _LOGGER.exception("flow reload failed; the last good flows keep serving")

    def describe(self) -> dict[str, Any]:
        return {"flows": sorted(self.current.flows), "loaded_at": self.current.loaded_at,
                "refused_change": [str(p) for p in self.problems],
                "intents_by_meaning": self.current.router.uses_meaning}
