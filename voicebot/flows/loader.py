"""Reads flow files into checked models, keeping where every value was written.

Errors come back as ``file:line:col: message (hint)`` lines that a member of staff can act on;
one broken file never stops the others from being read, so every error is reported at once.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from voicebot.flows.schema import STEP_KINDS, FlowFile, MainFile, Step


@dataclass(frozen=True)
class Problem:
    """One error in one place."""

    file: Path
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


@dataclass
class Located:
    """A file's YAML node tree, to turn a path of keys into a line and column."""

    file: Path
    root: yaml.Node | None

    def at_key(self, *path: str | int, message: str) -> Problem:
        """Where a mapping key itself was written (for keys that should not be there)."""
        parent = self.root
        for key in path[:-1]:
            parent = _child(parent, key) or parent
        if isinstance(parent, yaml.MappingNode):
            for key_node, _ in parent.value:
                if key_node.value == path[-1]:
                    mark = key_node.start_mark
                    return Problem(self.file, mark.line + 1, mark.column + 1, message)
        return self.at(*path, message=message)

    def at(self, *path: str | int, message: str) -> Problem:
        node = self.root
        for key in path:
            child = _child(node, key)
            if child is None:
                break
            node = child
        line, column = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
        return Problem(self.file, line, column, message)


def _child(node: yaml.Node | None, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if key_node.value == key:
                found: yaml.Node = value if not isinstance(value, yaml.ScalarNode) or value.value \
                    else key_node
                return found
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        item: yaml.Node = node.value[key]
        return item
    return None


@dataclass
class LoadedFlow:
    """A flow file that has the right shape (meaning is checked separately)."""

    file: Path
    spec: FlowFile
    steps: list[Step]
    where: Located
    ids: dict[str, int] = field(default_factory=dict)


@dataclass
class LoadedMain:
    file: Path
    spec: MainFile
    where: Located


def read(file: Path) -> tuple[Any, Located] | Problem:
    """YAML syntax: the data and its node tree, or the syntax error with its position."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        return Problem(file, 1, 1, f"cannot read the file: {err.strerror}")
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return Problem(file, line, column, f"not valid YAML: {err.problem or err}"
                       " (check indentation and that text with ':' is in quotes)")
    return data, Located(file, root)


def shape_problems(error: ValidationError, where: Located, prefix: tuple[str | int, ...] = ()
                   ) -> list[Problem]:
    problems = []
    for item in error.errors():
        path = (*prefix, *(str(p) if isinstance(p, str) else p for p in item["loc"]))
        path = tuple(p for p in path if p not in {"function-after", "list[...]"})
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = f"unknown key '{path[-1]}'"
            allowed = list(_allowed(item, prefix))
            if close := difflib.get_close_matches(str(path[-1]), allowed, 1):
                message += f" (did you mean '{close[0]}'?)"
            problems.append(where.at_key(*path, message=message))
            continue
        elif item["type"] == "missing":
            message = f"'{path[-1]}' is required here"
            path = path[:-1]
        problems.append(where.at(*path, message=message))
    return problems


def _allowed(item: Any, prefix: tuple[str | int, ...]) -> list[str]:
    """Every key the flow language knows, for "did you mean" hints."""
    return ["id", "next", "prompt", "reprompt", "confirm_prompt", "invalid", "retries", "on_fail",
            "into", "url", "send", "timeout", "reason", "summary", "say_before", "interruptible",
            "examples", "keywords", "start", "name", "type", "at", "options", "digits", "confirm",
            "flow", "description", "intents", "slots", "steps", "prompts", "globals", "teams",
            "out_of_scope", "not_understood", "clarify", "menu", "per_call"]


def load_flow(file: Path) -> LoadedFlow | LoadedMain | list[Problem]:
    read_result = read(file)
    if isinstance(read_result, Problem):
        return [read_result]
    data, where = read_result
    if not isinstance(data, dict):
        return [where.at(message="a flow file must be a mapping with 'flow:' at the top")]
    model: type[BaseModel] = MainFile if data.get("flow") == "main" else FlowFile
    try:
        spec = model.model_validate(data)
    except ValidationError as err:
        return shape_problems(err, where)
    if isinstance(spec, MainFile):
        return LoadedMain(file, spec, where)
    assert isinstance(spec, FlowFile)
    steps: list[Step] = []
    problems: list[Problem] = []
    for index, raw in enumerate(spec.steps):
        kinds = [key for key in raw if key in STEP_KINDS]
        if len(kinds) != 1:
            found = ", ".join(kinds) or "none"
            problems.append(where.at("steps", index, message=(
                "a step needs exactly one of say, ask, lookup, act, transfer, end "
                f"(found {found})")))
            continue
        body = dict(raw)
        if kinds[0] == "act":
            body["lookup"] = body.pop("act")
        try:
            steps.append(STEP_KINDS[kinds[0]].model_validate(body))  # type: ignore[arg-type]
        except ValidationError as err:
            problems.extend(shape_problems(err, where, ("steps", index)))
    if problems:
        return problems
    loaded = LoadedFlow(file, spec, steps, where)
    for index, step in enumerate(steps):
        if step.id:
            loaded.ids.setdefault(step.id, index)
    return loaded
