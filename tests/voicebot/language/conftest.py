"""Shared fixtures for the language tests: the shipped flows, built once per module."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicebot.council.actions import Services
from voicebot.council.data import CouncilData
from voicebot.flows.registry import FlowSet, build

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> FlowSet:
    """The project's own flows over an empty council, as the service builds them."""
    scratch = tmp_path_factory.mktemp("shipped")
    actions = Services(CouncilData(), scratch / "cases.db").actions
    built = build(ROOT / "flows", actions, ["general", "bins", "council_tax"])
    assert not isinstance(built, list), built
    return built
