"""Every staff-written conversation test in flows/tests/ runs in the suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from voicebot.council.actions import Services
from voicebot.council.data import CouncilData
from voicebot.errors import FlowSchemaError
from voicebot.flows.conversation_tests import fixed_today, load_tests, read_tests, run_test
from voicebot.flows.registry import FlowSet, build
from voicebot.handoff.rehearsal import rehearsal

ROOT = Path(__file__).resolve().parent.parent
CASES = load_tests(ROOT / "flows" / "tests")
TEAMS = ["general", "bins", "council_tax"]


def flow_set(tmp_path: Path) -> tuple[FlowSet, CouncilData]:
    council = CouncilData.load(ROOT / "seeds", today=fixed_today)
    built = build(ROOT / "flows", Services(council, tmp_path / "probe.db").actions, TEAMS)
    assert not isinstance(built, list), [str(p) for p in built]
    return built, council


@pytest.mark.parametrize(("file", "case"), CASES, ids=[str(c.get("test")) for _, c in CASES])
async def test_conversation(file: Path, case: dict[str, Any], tmp_path: Path) -> None:
    built, council = flow_set(tmp_path)
    result = await run_test(case, file, built, lambda: Services(council, tmp_path / "cases.db"),
                            line=lambda test: rehearsal(test, built))
    assert result.passed, "\n".join(result.failures)


async def test_a_wrong_expectation_fails(tmp_path: Path) -> None:
    built, council = flow_set(tmp_path)
    case = {"test": "wrong", "turns": [
        {"caller": "when are my bins collected"},
        {"bot": {"asks": "account", "says": "council tax", "transfers": "bins", "ends": True}},
    ]}
    result = await run_test(case, Path("x"), built, lambda: Services(council, tmp_path / "c.db"))
    assert len(result.failures) == 4


def test_there_are_conversation_tests() -> None:
    assert len(CASES) >= 15


def test_a_misshapen_test_file_is_reported_at_its_places(tmp_path: Path) -> None:
    (tmp_path / "x.test.yaml").write_text(
        "- test: misspelt\n  turns:\n    - caler: hi\n    - bot: {say: hello, asks: postcod}\n")
    tests, problems = read_tests(tmp_path)
    assert tests == []
    assert [str(p).split("x.test.yaml:")[1] for p in problems] == [
        "3:7: unknown key 'caler' (did you mean 'caller'?)",
        "4:13: unknown key 'say' (did you mean 'says'?)",
        "4:31: Input should be 'postcode', 'address', 'account', 'yes_no', 'choice', 'date', "
        "'number', 'text', 'phone' or 'window'",
    ]
    with pytest.raises(FlowSchemaError, match="caler"):
        load_tests(tmp_path)
