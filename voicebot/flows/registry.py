"""The set of flows in service: built from a folder, checked whole, swapped atomically.

A change to a flow file is picked up without a restart. If the new set has any error it is
refused, the errors are logged with their places, and the last good set keeps serving; calls
already in progress keep the set they started with.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicebot.errors import FlowCheckError
from voicebot.flows.checks import check
from voicebot.flows.loader import LoadedFlow, LoadedMain, Problem, load_flow
from voicebot.flows.schema import (
    OUT_OF_SCOPE,
    AskStep,
    EndStep,
    IntentDef,
    MainFile,
    SayStep,
    SlotDef,
    Step,
)
from voicebot.flows.templates import PLACEHOLDER
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

    def fixed_prompts(self) -> list[str]:
        """Prompts with no placeholders: the same every call, worth synthesising once."""
        texts = [v for v in self.main.prompts.model_dump().values()]
        for flow in self.flows.values():
            for step in flow.steps:
                if isinstance(step, AskStep):
                    texts += [t for t in (step.prompt, step.reprompt) if t]
                elif isinstance(step, SayStep):
                    texts.append(step.say)
                elif isinstance(step, EndStep):
                    texts.append(step.end)
        return [t for t in texts if not PLACEHOLDER.search(t)]

    def intent_name(self, intent: str) -> str:
        spec = self.intents[intent][1]
        return spec.name or intent.replace("_", " ")


def build(folder: Path, actions: Iterable[str], teams: Iterable[str]) -> FlowSet | list[Problem]:
    """Load and check every ``*.yaml`` in ``folder`` (not its tests); a set, or all problems."""
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
    router = IntentRouter(specs)
    globals_router = IntentRouter({n: IntentSpec(tuple(s.examples), tuple(s.keywords))
                                   for n, s in main.spec.globals.items()})
    return FlowSet(main.spec, by_name, intents, router, globals_router,
                   files=tuple(str(f) for f in files))


class FlowRegistry:
    """The last good flow set, reloaded when the files change."""

    def __init__(self, folder: Path, actions: Iterable[str], teams: Iterable[str]) -> None:
        self.folder = folder
        self._actions, self._teams = list(actions), list(teams)
        self.problems: list[Problem] = []
        self._stamp = self._mtimes()
        built = build(folder, self._actions, self._teams)
        if isinstance(built, list):
            raise FlowCheckError("flows-invalid", "the call flows have errors:\n  "
                                 + "\n  ".join(str(p) for p in built))
        self.current: FlowSet = built

    def _mtimes(self) -> dict[str, float]:
        try:
            return {str(p): p.stat().st_mtime for p in self.folder.glob("*.yaml")}
        except OSError:
            return {}

    def reload_if_changed(self) -> bool:
        """Rebuild when a file changed; True when a new set went into service."""
        stamp = self._mtimes()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        built = build(self.folder, self._actions, self._teams)
        if isinstance(built, list):
            self.problems = built
            _LOGGER.error("flow change refused; the last good flows keep serving:\n  %s",
                          "\n  ".join(str(p) for p in built))
            return False
        self.problems = []
        self.current = built
        _LOGGER.info("flows reloaded: %s", ", ".join(sorted(built.flows)))
        return True

    async def watch(self, interval: float = 1.0) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                self.reload_if_changed()
            except Exception:
                _LOGGER.exception("flow reload failed; the last good flows keep serving")

    def describe(self) -> dict[str, Any]:
        return {"flows": sorted(self.current.flows), "loaded_at": self.current.loaded_at,
                "refused_change": [str(p) for p in self.problems]}
