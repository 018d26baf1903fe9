"""Council CSV data: bad rows are reported and skipped, dates roll forward, matching is fuzzy."""

from datetime import date
from pathlib import Path

import pytest

from voicebot.council.data import Collection, CouncilData
from voicebot.errors import DataError

ROOT = Path(__file__).resolve().parents[3]


def write(folder: Path, properties: str, bins: str, tax: str) -> Path:
    (folder / "properties.csv").write_text(properties)
    (folder / "bin_collections.csv").write_text(bins)
    (folder / "council_tax.csv").write_text(tax)
    return folder


def test_bad_rows_are_reported_with_file_and_line_and_the_rest_loads(tmp_path: Path) -> None:
    data = CouncilData.load(write(
        tmp_path,
        "uprn,address,postcode\n1,1 High St,LS6 2QT\n2,2 High St,NOT A POSTCODE\n",
        "uprn,service,next_date,frequency_days\n1,refuse,2026-11-20,7\n1,compost,2026-11-20,7\n"
        "1,recycling,20/11/2026,14\n9,food,2026-11-20,7\n",
        "account_ref,uprn,surname,band,balance,next_due_date,next_due_amount\n"
        "40000001,1,Smith,B,100.50,2026-12-01,50.25\n40000002,1,Jones,B,abc,,\n",
    ))
    assert list(data.properties) == ["1"]
    assert len(data.collections["1"]) == 1
    assert list(data.accounts) == ["40000001"]
    assert data.problems == [
        "properties.csv:3: needs a uprn, an address and a valid UK postcode; row skipped",
        "bin_collections.csv:3: service must be one of refuse, recycling, garden, food and "
        "frequency_days at least 1; row skipped",
        "bin_collections.csv:4: bad value (Invalid isoformat string: '20/11/2026'); row skipped",
        "bin_collections.csv:5: unknown uprn 9; row skipped",
        "council_tax.csv:3: bad value ([<class 'decimal.ConversionSyntax'>]); row skipped",
    ]


def test_a_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="missing column"):
        CouncilData.load(write(tmp_path, "uprn,address\n", "", ""))


def test_past_dates_roll_forward_by_the_frequency() -> None:
    collection = Collection("1", "refuse", date(2026, 1, 12), 14)
    assert collection.next_on_or_after(date(2026, 11, 24)) == date(2026, 11, 30)
    assert collection.next_on_or_after(date(2026, 11, 30)) == date(2026, 11, 30)
    assert collection.latest_on_or_before(date(2026, 11, 24)) == date(2026, 11, 16)


def test_postcodes_and_addresses_are_matched_fuzzily() -> None:
    data = CouncilData.load(ROOT / "seeds")
    assert data.match_postcode(["it's L S six two Q T"]) == ("LS6 2QT", 1.0)
    close, sureness = data.match_postcode(["LS6 2QD"])
    assert close == "LS6 2QT" and sureness < 1.0
    prop, _ = data.match_address("LS6 2QT", ["twenty one Hawthorn Close"])
    assert prop is not None and prop.address == "21 Hawthorn Close"
    assert data.match_address("LS6 2QT", ["number 99"])[0] is None
    assert data.match_address("M14 5RN", ["rose cottage"])[0] is not None


def test_a_duplicate_key_is_refused_on_both_rows_with_file_and_line(tmp_path: Path) -> None:
    data = CouncilData.load(write(
        tmp_path,
        "uprn,address,postcode\n1,1 Low Rd,M14 5RN\n2,2 High St,LS6 2QT\n1,9 Low Rd,M14 5RN\n"
        "3,3 High St,LS6 2QT\n",
        "uprn,service,next_date,frequency_days\n2,refuse,2026-11-20,7\n2,refuse,2026-11-21,7\n"
        "2,food,2026-11-20,7\n",
        "account_ref,uprn,surname,band,balance,next_due_date,next_due_amount\n"
        "40000001,2,Smith,B,100.50,,\n40000002,3,Jones,B,10.00,,\n"
        "40000001,3,Jones,C,900.00,,\n",
    ))
    assert sorted(data.properties) == ["2", "3"]
    assert [p.uprn for p in data.by_postcode["LS6 2QT"]] == ["2", "3"]
    assert "M14 5RN" not in data.postcodes
    assert [c.service for c in data.collections["2"]] == ["food"]
    assert list(data.accounts) == ["40000002"]
    assert data.problems == [
        "properties.csv:2: duplicate uprn 1 (again at line 4); row skipped",
        "properties.csv:4: duplicate uprn 1 (first at line 2); row skipped",
        "bin_collections.csv:2: duplicate uprn and service 2 refuse (again at line 3); "
        "row skipped",
        "bin_collections.csv:3: duplicate uprn and service 2 refuse (first at line 2); "
        "row skipped",
        "council_tax.csv:2: duplicate account_ref 40000001 (again at line 4); row skipped",
        "council_tax.csv:4: duplicate account_ref 40000001 (first at line 2); row skipped",
    ]
