"""The figures as CSV: one row per number, so any section (today's or one added later) exports.

Columns: ``section`` (a top-level key, or a path into it such as ``kpis.completion``), ``item``
(which row of a table: an intent, a team and reason, an hour), ``measure`` and ``value``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

Row = tuple[str, str, str, Any]


def csv_text(figures: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("section", "item", "measure", "value"))
    for section, item, measure, value in rows(figures):
        writer.writerow((section, item, measure, "" if value is None else value))
    return out.getvalue()


def rows(figures: dict[str, Any]) -> Iterator[Row]:
    for key, value in figures.items():
        if isinstance(value, dict | list):
            yield from _rows(key, "", value)
        else:
            yield "summary", "", key, value


def _rows(section: str, item: str, value: Any) -> Iterator[Row]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, dict | list):
                yield from _rows(section if item else f"{section}.{key}", item, inner)
            else:
                yield section, item, key, inner
    else:
        for index, entry in enumerate(value):
            if isinstance(entry, dict):
                label = " / ".join(v for v in entry.values() if isinstance(v, str))
                yield from _rows(section, label or str(index),
                                 {k: v for k, v in entry.items() if not isinstance(v, str)})
            else:
                yield section, item, str(index), entry
