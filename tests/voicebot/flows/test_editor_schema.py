"""The editors' JSON Schema: made from the loader's models, shipped, and never drifting from them.

The drift tests take real documents (every shipped flow and test file, and one document per file
kind that uses every key the models know, built from the models) and break them every way a
hand can: each key misspelt, each key dropped, each value swapped for a value of each other JSON
type, each list item swapped for a scalar. For every broken document the loader and the schema
must agree, accept or reject, so the two cannot drift apart.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
import yaml
from jsonschema import Draft7Validator
from pydantic import BaseModel

from voicebot.cli import main
from voicebot.flows.conversation_schema import ConversationTest
from voicebot.flows.conversation_tests import read_test_file
from voicebot.flows.editor_schema import (
    HEADERS,
    SCHEMAS,
    conversation_tests_schema,
    flow_schema,
    render,
    shipped,
)
from voicebot.flows.keyed import OneKeyOf
from voicebot.flows.loader import load_flow
from voicebot.flows.schema import STEP_KINDS, FlowFile, MainFile

ROOT = Path(__file__).resolve().parents[3]
FLOWS = sorted((ROOT / "flows").glob("*.yaml"))
TESTS = sorted((ROOT / "flows" / "tests").glob("*.test.yaml"))
FLOW_SCHEMA = Draft7Validator(flow_schema())
TESTS_SCHEMA = Draft7Validator(conversation_tests_schema())
WRONG_VALUES: tuple[Any, ...] = ("text", 7, 2.5, True, None, [], ["text"], {"text": 1})


# -- documents built from the models ----------------------------------------------------------

def sample(kind: Any) -> Any:
    """A value of type ``kind`` that uses every key the models behind it know."""
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return {field.alias or name: sample_field(field.annotation)
                for name, field in kind.model_fields.items()}
    origin, args = get_origin(kind), get_args(kind)
    if origin is Literal:
        return args[0]
    if origin in (Union, UnionType):
        return sample([a for a in args if a is not type(None)][-1])
    if origin is list and get_origin(args[0]) in (Union, UnionType):
        return [sample(member) for member in get_args(args[0])]
    if origin is list:
        return [sample(args[0])]
    if origin is dict:
        key = args[0]
        named = (sample(key) if get_origin(key) is Literal
                 else "en" if get_origin(key) is Annotated else "name")  # a language code
        return {named: sample(args[1])}
    return {str: "text", int: 1, float: 1.5, bool: True, Any: "text"}[kind]


def sample_field(annotation: Any) -> Any:
    """As ``sample``; a list of items of several kinds (steps, turns) gets one of each."""
    keyed = [m for a in get_args(annotation) for m in get_args(a)[1:] if isinstance(m, OneKeyOf)]
    if keyed:
        return [sample(model) for model in keyed[0].kinds.values()]
    return sample(annotation)


def full_flow() -> dict[str, Any]:
    flow: dict[str, Any] = sample(FlowFile)
    act = flow["steps"][list(STEP_KINDS).index("act")]
    act["act"] = act.pop("lookup")
    return flow


def full_tests() -> list[dict[str, Any]]:
    return [sample(ConversationTest)]


# -- ways to break a document -----------------------------------------------------------------

def nodes(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, doc
    children = doc.items() if isinstance(doc, dict) else enumerate(doc) \
        if isinstance(doc, list) else ()
    for key, value in children:
        yield from nodes(value, (*path, key))


def changed(doc: Any, path: tuple[Any, ...], change: Callable[[Any], None]) -> Any:
    copied = copy.deepcopy(doc)
    node = copied
    for key in path:
        node = node[key]
    change(node)
    return copied


def misspelt(key: str) -> str:
    return key[1] + key[0] + key[2:] if len(key) > 1 and key[0] != key[1] else key + "x"


def mutations(doc: Any) -> Iterator[tuple[str, Any]]:
    """(what was done, the broken document), every way a hand could break ``doc``.

    Places that differ only in a list index (the ``prompt`` of two ``ask`` steps) are broken
    once, at their first occurrence: the loader and the schema see them alike.
    """
    seen: set[tuple[Any, ...]] = set()
    for path, node in nodes(doc):
        shape = tuple("*" if isinstance(p, int) else p for p in path)
        where = "/".join(map(str, path)) or "top"
        if isinstance(node, dict):
            for key in [k for k in node if (*shape, k) not in seen]:
                seen.add((*shape, key))
                yield (f"{where}: misspell {key!r}", changed(
                    doc, path, lambda n, k=key: n.__setitem__(misspelt(k), n.pop(k))))
                yield f"{where}: drop {key!r}", changed(doc, path, lambda n, k=key: n.pop(k))
                for wrong in WRONG_VALUES:
                    yield (f"{where}/{key} = {wrong!r}", changed(
                        doc, path, lambda n, k=key, w=wrong: n.__setitem__(k, w)))
        elif isinstance(node, list) and node and shape not in seen:
            seen.add(shape)
            yield f"{where}/0 = 'text'", changed(doc, path, lambda n: n.__setitem__(0, "text"))
    yield "not a mapping", ["text"]


def disagreements(doc: Any, schema: Draft7Validator, loads: Callable[[Any], bool]
                  ) -> list[str]:
    found = []
    for what, broken in mutations(doc):
        by_schema, by_loader = schema.is_valid(broken), loads(broken)
        if by_schema != by_loader:
            found.append(f"{what}: schema {'accepts' if by_schema else 'rejects'}, loader "
                         f"{'accepts' if by_loader else 'rejects'}")
    return found


def written(doc: Any, file: Path) -> Path:
    file.write_text(yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper)))
    return file


def flow_loads(tmp_path: Path) -> Callable[[Any], bool]:
    def loads(doc: Any) -> bool:
        written(doc, tmp_path / "probe.yaml")
        return not isinstance(load_flow(tmp_path / "probe.yaml"), list)
    return loads


def probe_tests(tmp_path: Path) -> Callable[[Any], bool]:
    def loads(doc: Any) -> bool:
        written(doc, tmp_path / "probe.test.yaml")
        return not isinstance(read_test_file(tmp_path / "probe.test.yaml"), list)
    return loads


# -- the tests --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SCHEMAS)
def test_the_schema_files_are_made_from_the_models(name: str) -> None:
    Draft7Validator.check_schema(SCHEMAS[name]())
    assert shipped(name) == render(name), \
        "the package's copy is stale: run  voicebot flows schema --out voicebot/flows/schemas"
    assert (ROOT / "flows" / "schema" / name).read_text() == render(name), \
        "flows/schema/ is stale: run  voicebot flows schema"


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_key_has_a_description(name: str) -> None:
    schema = SCHEMAS[name]()

    def described(value: dict[str, Any]) -> bool:
        target = value.get("$ref", "#/").removeprefix("#/definitions/")
        return bool(value.get("description") or schema["definitions"].get(target, {}).get(
            "description"))

    missing = [f"{'/'.join(map(str, path))}/{key}" for path, node in nodes(schema)
               if isinstance(node, dict) and isinstance(node.get("properties"), dict)
               and path[-1:] != ("properties",) and path[:1] != ("if",)
               for key, value in node["properties"].items() if not described(value)]
    assert missing == []


@pytest.mark.parametrize("file", FLOWS + TESTS, ids=lambda f: f.name)
def test_every_shipped_file_names_its_schema_and_matches_it(file: Path) -> None:
    text = file.read_text(encoding="utf-8")
    header = HEADERS["tests"] if file.parent.name == "tests" else HEADERS["flow"]
    assert text.splitlines()[0] == header
    validator = TESTS_SCHEMA if file.parent.name == "tests" else FLOW_SCHEMA
    assert [e.message for e in validator.iter_errors(yaml.safe_load(text))] == []
    referenced = (file.parent / header.split("$schema=")[1]).resolve()
    assert referenced == (ROOT / "flows" / "schema" / referenced.name)


def test_the_documents_built_from_the_models_are_accepted(tmp_path: Path) -> None:
    assert FLOW_SCHEMA.is_valid(full_flow()) and flow_loads(tmp_path)(full_flow())
    assert {s for step in full_flow()["steps"] for s in step if s in STEP_KINDS} == set(STEP_KINDS)
    assert TESTS_SCHEMA.is_valid(full_tests()) and probe_tests(tmp_path)(full_tests())


@pytest.mark.parametrize("source", [*FLOWS, "every key of a flow"],
                         ids=lambda s: getattr(s, "name", s))
def test_schema_and_loader_agree_on_every_broken_flow(source: Path | str, tmp_path: Path
                                                      ) -> None:
    doc = full_flow() if isinstance(source, str) else yaml.safe_load(source.read_text())
    assert disagreements(doc, FLOW_SCHEMA, flow_loads(tmp_path)) == []


@pytest.mark.parametrize("source", [*TESTS, "every key of a test"],
                         ids=lambda s: getattr(s, "name", s))
def test_schema_and_loader_agree_on_every_broken_test_file(source: Path | str, tmp_path: Path
                                                           ) -> None:
    doc = full_tests() if isinstance(source, str) else yaml.safe_load(source.read_text())
    assert disagreements(doc, TESTS_SCHEMA, probe_tests(tmp_path)) == []


def test_main_yaml_is_held_to_its_own_shape() -> None:
    main_doc = sample(MainFile)
    main_doc["languages"]["en"]["keypad"] = "1"  # a key on the keypad (a pattern, not any text)
    assert FLOW_SCHEMA.is_valid(main_doc)
    assert not FLOW_SCHEMA.is_valid({**main_doc, "steps": []})
    assert not FLOW_SCHEMA.is_valid({"flow": "main", "steps": []})


def test_the_command_writes_the_schemas_into_a_flows_folder(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    assert main(["flows", "schema", str(tmp_path)]) == 0
    for name in SCHEMAS:
        assert (tmp_path / "schema" / name).read_text() == render(name)
    assert HEADERS["flow"] in capsys.readouterr().out
