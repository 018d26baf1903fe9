"""The little condition language of ``if:`` in flows, evaluated without ``eval``.

Forms: ``name``, ``not name``, ``name.field``, ``name is empty``, ``name is not empty``,
``name == 'text'``, ``name != 'text'``, joined by ``and`` / ``or`` (``and`` binds tighter).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_COMPARE = re.compile(r"^(not\s+)?([a-z_][a-z0-9_.]*)\s*(?:(==|!=)\s*'([^']*)'|\s+is\s+(not\s+)?"
                      r"empty)?$")


class ConditionError(ValueError):
    """A condition staff wrote that cannot be understood."""


def names(condition: str) -> list[str]:
    """Root names a condition reads, for checking them against slots and lookups."""
    found = []
    for clause in _clauses(condition):
        match = _COMPARE.match(clause)
        if match is None:
            raise ConditionError(f"cannot understand condition {clause!r} (write e.g. "
                                 "\"result.found\", \"not verified\", \"bin_type == 'garden'\")")
        found.append(match.group(2).split(".")[0])
    return found


def _clauses(condition: str) -> list[str]:
    return [c.strip() for part in re.split(r"\s+or\s+", condition.strip())
            for c in re.split(r"\s+and\s+", part)]


def holds(condition: str, values: Mapping[str, Any]) -> bool:
    return any(all(_clause(c, values) for c in re.split(r"\s+and\s+", part.strip()))
               for part in re.split(r"\s+or\s+", condition.strip()))


def _clause(clause: str, values: Mapping[str, Any]) -> bool:
    match = _COMPARE.match(clause.strip())
    if match is None:
        raise ConditionError(f"cannot understand condition {clause!r}")
    negate, path, operator, literal, not_empty = match.groups()
    value: Any = values
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if operator == "==":
        result = str(value) == literal
    elif operator == "!=":
        result = str(value) != literal
    elif "is" in clause.split() and "empty" in clause:
        result = not value if not_empty is None else bool(value)
    else:
        result = bool(value)
    return not result if negate else result
