"""Prompt templates: ``{slot}``, ``{lookup.field}``, ``{value:format}``, spoken naturally.

Values are spoken the way a person reads them: a postcode letter by letter, an account number
in groups of digits, money in pounds and pence, dates as "Wednesday the 2nd of December".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from voicebot.language.phone import say_phone
from voicebot.language.spoken import say_date, say_digits, say_money, say_postcode

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)((?:\.[a-z_][a-z0-9_]*)*)(?::([a-z]+))?\}")
FORMATS = ("postcode", "digits", "money", "date", "text", "phone")


def names_in(template: str) -> list[tuple[str, str | None]]:
    """(root name, format) for each placeholder, for checking against declared slots."""
    return [(m.group(1), m.group(3)) for m in PLACEHOLDER.finditer(template)]


def render(template: str, values: Mapping[str, Any], types: Mapping[str, str]) -> str:
    """Fill a template; ``types`` gives each slot's type, which picks its spoken form."""

    def fill(match: re.Match[str]) -> str:
        root, path, form = match.group(1), match.group(2), match.group(3)
        value: Any = values.get(root, "")
        for part in filter(None, path.split(".")):
            value = value.get(part, "") if isinstance(value, Mapping) else ""
        if not path and isinstance(value, Mapping):  # an address, or a call-back window
            value = value.get("address", value.get("spoken", ""))
        return speak(value, form or _default_form(types.get(root)) if not path else form)

    return " ".join(PLACEHOLDER.sub(fill, template).split())


def _default_form(slot_type: str | None) -> str | None:
    return {"postcode": "postcode", "account": "digits", "phone": "phone"}.get(slot_type or "")


def speak(value: Any, form: str | None) -> str:
    if value is None or value == "":
        return ""
    if form == "postcode":
        return say_postcode(str(value))
    if form == "digits":
        return say_digits(str(value))
    if form == "phone":
        return say_phone(str(value))
    if form == "money":
        try:
            return say_money(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    if form == "date" and isinstance(value, date):
        return say_date(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
