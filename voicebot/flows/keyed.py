"""Items whose kind is the one key they carry: a flow step (``say:``, ``ask:``...) or a turn in
a conversation test (``caller:``, ``bot:``...).

Pydantic's own unions report a bad item once per possible kind, which buries the one message
that matters, so the loaders pick the kind from the keys themselves (``kind_of``) and validate the
item against that kind's model. ``OneKeyOf`` gives the same rule to the JSON Schema that editors
use: each kind is its model with its key required, and an item must match exactly one.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

Kinds = Mapping[str, type[BaseModel]]
"""Each key that names a kind -> the model of an item of that kind."""


def kind_field(key: str, kinds: Kinds) -> str:
    """The model field a kind's key fills (``act:`` fills a lookup step's ``lookup``)."""
    fields = kinds[key].model_fields
    return key if key in fields else next(name for name in fields if name in kinds)


def keys_of(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts, as written in YAML (aliases where a field has one)."""
    return [field.alias or name for name, field in model.model_fields.items()]


def kinds_in(item: Mapping[str, Any], kinds: Kinds) -> list[str]:
    return [key for key in item if key in kinds]


def guess_kind(item: Mapping[str, Any], kinds: Kinds) -> tuple[str, str] | None:
    """For an item with no kind key: (the key as written, the kind it is a misspelling of).

    Keys that some kind accepts (``summary``, ``id``) are never taken for a misspelt kind.
    """
    known = {key for model in kinds.values() for key in keys_of(model)}
    for key in item:
        if str(key) in known:
            continue
        if close := difflib.get_close_matches(str(key), list(kinds), 1, cutoff=0.6):
            return str(key), close[0]
    return None


def hint(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or nothing."""
    close = difflib.get_close_matches(name, list(known), 1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class OneKeyOf:
    """JSON Schema for a raw mapping that must be exactly one of ``kinds`` (see the module)."""

    def __init__(self, kinds: Kinds) -> None:
        self.kinds = kinds

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler
                                     ) -> JsonSchemaValue:
        variants = []
        for key, model in self.kinds.items():
            schema = copy.deepcopy(handler.resolve_ref_schema(
                handler(model.__pydantic_core_schema__)))
            field = kind_field(key, self.kinds)
            if field != key:
                schema["properties"] = {key if name == field else name: value
                                        for name, value in schema["properties"].items()}
                schema["required"] = [key if name == field else name
                                      for name in schema.get("required", [])]
            schema["title"] = f"{key} ({schema.get('title', model.__name__)})"
            variants.append(schema)
        return {"oneOf": variants}
