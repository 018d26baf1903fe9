"""JSON Schemas of the flow files and the conversation test files, for editors.

Made from the same pydantic models the loaders read the files with, so an editor flags the
mistakes ``voicebot flows check`` would report about a file's shape, and completes every key
with its description. The schemas are written in JSON Schema draft-07, the version the YAML
language server (VS Code, Neovim, JetBrains, Helix...) understands.

Each flow file names its schema in its first line, relative to the file::

    # yaml-language-server: $schema=schema/flow.schema.json

so a flows folder carries its schemas in ``schema/``; ``voicebot flows schema`` writes them
there, and the package ships the same files in ``voicebot/flows/schemas/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from voicebot.flows.conversation_schema import ConversationTestFile
from voicebot.flows.schema import FlowFile, MainFile

DRAFT = "http://json-schema.org/draft-07/schema#"
REFS = "#/definitions/{model}"
FOLDER = "schema"
"""Where a flows folder keeps its schemas (the flow files' first line points here)."""


def flow_schema() -> dict[str, Any]:
    """Every flow file; ``flow: main`` selects main.yaml's shape, as the loader does."""
    _, defs = models_json_schema([(FlowFile, "validation"), (MainFile, "validation")],
                                 ref_template=REFS)
    schema: dict[str, Any] = _for_editors({
        "$schema": DRAFT,
        "title": "voicebot call flow",
        "description": "A call flow in flows/*.yaml; check it with `voicebot flows check`.",
        "type": "object",
        "if": {"properties": {"flow": {"const": "main"}}, "required": ["flow"]},
        "then": {"$ref": REFS.format(model="MainFile")},
        "else": {"$ref": REFS.format(model="FlowFile")},
        "definitions": defs.get("$defs", {}),
    })
    return schema


def conversation_tests_schema() -> dict[str, Any]:
    """A conversation test file, flows/tests/*.test.yaml."""
    made = ConversationTestFile.model_json_schema(ref_template=REFS)
    schema: dict[str, Any] = _for_editors({
        "$schema": DRAFT,
        "title": "voicebot conversation tests",
        "description": "Conversation tests in flows/tests/*.test.yaml; run them with "
                       "`voicebot flows test`.",
        **{k: v for k, v in made.items() if k not in {"$defs", "title", "description"}},
        "definitions": made.get("$defs", {}),
    })
    return schema


SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "flow.schema.json": flow_schema,
    "conversation-tests.schema.json": conversation_tests_schema,
}
"""File name -> the schema it holds."""

HEADERS = {
    "flow": f"# yaml-language-server: $schema={FOLDER}/flow.schema.json",
    "tests": f"# yaml-language-server: $schema=../{FOLDER}/conversation-tests.schema.json",
}
"""The first line of a flow file and of a conversation test file (in ``tests/``)."""


def render(name: str) -> str:
    """The text of schema file ``name``, exactly as written to disk."""
    return json.dumps(SCHEMAS[name](), indent=2, ensure_ascii=False) + "\n"


def shipped(name: str) -> str:
    """The copy of schema file ``name`` shipped in the package."""
    return (files("voicebot.flows") / "schemas" / name).read_text(encoding="utf-8")


def write_schemas(folder: Path) -> list[Path]:
    """Writes every schema into ``folder`` (made if missing); returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMAS:
        target = folder / name
        target.write_text(render(name), encoding="utf-8")
        written.append(target)
    return written


def _for_editors(schema: Any) -> Any:
    """Descriptions as Markdown too (editors show it on hover), with ``code`` as `code`; a
    mapping whose keys follow a pattern (languages) refuses other keys, as the loader does."""
    if isinstance(schema, list):
        return [_for_editors(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    shaped = {key: _for_editors(value) for key, value in schema.items()}
    if "patternProperties" in shaped and "additionalProperties" not in shaped:
        shaped["additionalProperties"] = False  # other keys are refused, as pydantic does
    if isinstance(shaped.get("description"), str):
        text = re.sub(r"\s*\n\s*", " ", shaped["description"])
        shaped["description"] = text.replace("``", "")
        shaped["markdownDescription"] = text.replace("``", "`")
    return shaped
