"""Missed-bin cases on both engines: references, the duplicate check, retention."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from voicebot.council import cases as cases_module
from voicebot.council.cases import CaseStore
from voicebot.records import CallRecords
from voicebot.storage import Database, open_database

T0 = 1_709_546_400.0  # 2024-03-04 10:00 UTC


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    opened = open_database(database_url)
    yield opened
    opened.close()


def test_a_case_is_opened_and_found_again(database: Database) -> None:
    clock = Clock()
    cases = CaseStore(database, clock=clock)
    case = cases.open("missed-bin", "100", "recycling 2024-03-01", "CA1")
    assert len(case.reference) == 8 and case.reference.isdigit()
    assert cases.get(case.reference) == case
    assert cases.get("00000000") is None
    assert cases.recent("missed-bin", "100", "recycling 2024-03-01", T0 - 60) == case
    assert cases.recent("missed-bin", "100", "recycling 2024-03-01", T0 + 1) is None
    assert cases.recent("missed-bin", "101", "recycling 2024-03-01", T0 - 60) is None
    clock.at += 10
    newer = cases.open("missed-bin", "100", "recycling 2024-03-01", "CA2")
    assert newer.reference != case.reference
    assert cases.recent("missed-bin", "100", "recycling 2024-03-01", T0 - 60) == newer


def test_a_reference_clash_picks_another(database: Database,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = itertools.chain([5, 5, 5, 7], itertools.repeat(9))
    monkeypatch.setattr(cases_module.secrets, "randbelow", lambda n: next(drawn))
    cases = CaseStore(database)
    first = cases.open("missed-bin", "100", "a")
    second = cases.open("missed-bin", "100", "b")
    assert (first.reference, second.reference) == ("10000005", "10000007")
    assert cases.get("10000005") == first


def test_cases_go_with_the_call_records_retention(database: Database) -> None:
    clock = Clock()
    cases = CaseStore(database, clock=clock)
    old = cases.open("missed-bin", "100", "refuse 2024-03-01")
    clock.at += 89 * 86_400
    kept = cases.open("missed-bin", "100", "refuse 2024-05-29")
    clock.at = T0 + 91 * 86_400
    records = CallRecords(database, retention_days=90, clock=clock)  # purges at start-up
    records.close()
    assert cases.get(old.reference) is None
    assert cases.get(kept.reference) == kept


def test_a_store_of_its_own_keeps_working_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "state" / "cases.db"
    cases = CaseStore(path)
    case = cases.open("missed-bin", "100", "x")
    cases.close()
    again = CaseStore(path)
    assert again.get(case.reference) == case
    again.close()
