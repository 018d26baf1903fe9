"""Reads flow files into checked models, keeping where every value was written.

Errors come back as ``file:line:col: message (hint)`` lines that a member of staff can act on;
one broken file never stops the others from being read, so every error is reported at once.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast, get_args

import yaml
from pydantic import BaseModel, ValidationError

from voicebot.flows.keyed import Kinds, OneKeyOf, guess_kind, hint, keys_of, kind_field, kinds_in
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


_YAML = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where installed: a flows folder is re-read on every change."""


def read(file: Path) -> tuple[Any, Located] | Problem:
    """YAML syntax: the data and its node tree, or the syntax error with its position."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        return Problem(file, 1, 1, f"cannot read the file: {err.strerror}")
    try:
        root = yaml.compose(text, Loader=_YAML)
        data = yaml.load(text, Loader=_YAML)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return Problem(file, line, column, f"not valid YAML: {err.problem or err}"
                       " (check indentation and that text with ':' is in quotes)")
    return data, Located(file, root)


def shape_problems(error: ValidationError, where: Located, model: type[BaseModel],
                   prefix: tuple[str | int, ...] = (), renamed: dict[str, str] | None = None,
                   ) -> list[Problem]:
    """Pydantic's errors for ``model`` (read at ``prefix``) as problems at their YAML places.

    A key that is required but missing is not reported when a misspelt key was just said to be
    it ("unknown key 'ito' (did you mean 'into'?)" says all there is to say).
    """
    known = known_keys(model)
    items = [(item, _yaml_path(item, prefix, renamed or {})) for item in error.errors()]
    suggested = {close for item, path in items if item["type"] == "extra_forbidden"
                 for close in difflib.get_close_matches(str(path[-1]), known, 1)}
    problems = []
    for item, path in items:
        if item["type"] == "extra_forbidden":
            problems.append(where.at_key(*path, message=(
                f"unknown key '{path[-1]}'{hint(str(path[-1]), known)}")))
        elif item["type"] == "missing":
            if path[-1] not in suggested:
                problems.append(where.at(*path[:-1], message=f"'{path[-1]}' is required here"))
        else:
            problems.append(where.at(*path, message=item["msg"]))
    return sorted(problems, key=lambda problem: (problem.line, problem.column))


def _yaml_path(item: Any, prefix: tuple[str | int, ...], renamed: dict[str, str]
               ) -> tuple[str | int, ...]:
    loc = (renamed.get(p, p) if isinstance(p, str) else p for p in item["loc"])
    return tuple(p for p in (*prefix, *loc) if p not in {"function-after", "list[...]"})


def known_keys(model: type[BaseModel]) -> list[str]:
    """Every key ``model`` and the models inside it accept, for "did you mean" hints."""
    found: list[str] = []
    seen: set[type[BaseModel]] = set()
    todo: list[Any] = [model]
    while todo:
        kind = todo.pop(0)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            if kind not in seen:
                seen.add(kind)
                found += [key for key in keys_of(kind) if key not in found]
                todo += [field.annotation for field in kind.model_fields.values()]
                todo += [m for field in kind.model_fields.values() for a in field.metadata
                         if isinstance(a, OneKeyOf) for m in a.kinds.values()]
        else:
            todo += [arg for arg in get_args(kind) if not isinstance(arg, str)]
            todo += [m for a in get_args(kind) if isinstance(a, OneKeyOf)
                     for m in a.kinds.values()]
    return found


def one_of_kinds(raw: dict[str, Any], kinds: Kinds, where: Located, path: tuple[str | int, ...],
                 what: str) -> tuple[BaseModel | None, list[Problem]]:
    """Reads an item whose kind is the one key it carries (a step, a test turn; see keyed)."""
    found = kinds_in(raw, kinds)
    written = found[0] if found else ""
    problems: list[Problem] = []
    body = dict(raw)
    if not found and (guess := guess_kind(raw, kinds)):
        written, kind = guess
        problems.append(where.at_key(*path, written, message=(
            f"unknown key '{written}' (did you mean '{kind}'?)")))
        body = {kind if key == written else key: value for key, value in raw.items()}
        found = [kind]
    if len(found) != 1:
        return None, [where.at(*path, message=(
            f"{what} needs exactly one of {', '.join(kinds)} (found {', '.join(found) or 'none'})"
        ))]
    kind, model = found[0], kinds[found[0]]
    field = kind_field(kind, kinds)
    body[field] = body.pop(kind)
    try:
        return model.model_validate(body), problems
    except ValidationError as err:
        return None, problems + shape_problems(err, where, model, path, {field: written})


def load_flow(file: Path) -> LoadedFlow | LoadedMain | list[Problem]:
    """A flow file's shape, with every shape problem in it (the file and each step)."""
    read_result = read(file)
    if isinstance(read_result, Problem):
        return [read_result]
    data, where = read_result
    if not isinstance(data, dict):
        return [where.at(message="a flow file must be a mapping with 'flow:' at the top")]
    model: type[BaseModel] = MainFile if data.get("flow") == "main" else FlowFile
    problems: list[Problem] = []
    try:
        spec = model.model_validate(data)
    except ValidationError as err:
        problems, spec = shape_problems(err, where, model), None
    if isinstance(spec, MainFile):
        return LoadedMain(file, spec, where)
    raw_steps = data.get("steps")
    steps: list[Step] = []
    for index, raw in enumerate(raw_steps if isinstance(raw_steps, list) else []):
        if isinstance(raw, dict):  # anything else was reported with the file's shape
            step, found = one_of_kinds(raw, STEP_KINDS, where, ("steps", index), "a step")
            problems += found
            if step is not None:
                steps.append(cast(Step, step))  # STEP_KINDS holds only Step models
    if problems or not isinstance(spec, FlowFile):
        return problems
    loaded = LoadedFlow(file, spec, steps, where)
    for index, step in enumerate(steps):
        if step.id:
            loaded.ids.setdefault(step.id, index)
    return loaded
