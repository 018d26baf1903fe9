"""The council's data, loaded from a directory of CSV exports.

Schema (one file each): ``properties.csv`` (uprn,address,postcode), ``bin_collections.csv``
(uprn,service,next_date,frequency_days), ``council_tax.csv`` (account_ref,uprn,surname,band,
balance,next_due_date,next_due_amount). A bad row is reported with its file and line and
skipped; the rest loads, so one typo in an export never takes the phone line down. A key that
appears twice (an ``account_ref``, a ``uprn``, a property's service) is refused on both rows.
"""

from __future__ import annotations

import csv
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rapidfuzz import fuzz

from voicebot.errors import DataError
from voicebot.language.spoken import find_postcode, letters_and_digits, words_to_digits

_LOGGER = logging.getLogger(__name__)

SERVICES = ("refuse", "recycling", "garden", "food")


@dataclass(frozen=True)
class Property:
    uprn: str
    address: str
    postcode: str


@dataclass(frozen=True)
class Collection:
    uprn: str
    service: str
    next_date: date
    frequency_days: int

    def next_on_or_after(self, today: date) -> date:
        """The next collection from ``today``; exported dates in the past roll forward."""
        if self.next_date >= today:
            return self.next_date
        behind = (today - self.next_date).days
        periods = -(-behind // self.frequency_days)
        return self.next_date + timedelta(days=periods * self.frequency_days)

    def latest_on_or_before(self, today: date) -> date:
        """The most recent scheduled collection up to and including ``today``."""
        upcoming = self.next_on_or_after(today)
        return upcoming if upcoming == today else upcoming - timedelta(days=self.frequency_days)


@dataclass(frozen=True)
class TaxAccount:
    account_ref: str
    uprn: str
    surname: str
    band: str
    balance: Decimal
    next_due_date: date | None
    next_due_amount: Decimal | None


@dataclass
class CouncilData:
    """Everything loaded, indexed for the lookups a call makes."""

    properties: dict[str, Property] = field(default_factory=dict)
    collections: dict[str, list[Collection]] = field(default_factory=lambda: defaultdict(list))
    accounts: dict[str, TaxAccount] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    by_postcode: dict[str, list[Property]] = field(default_factory=lambda: defaultdict(list))
    today: Callable[[], date] = date.today

    @classmethod
    def load(cls, folder: Path, today: Callable[[], date] = date.today) -> CouncilData:
        data = cls(today=today)
        data._load_properties(folder / "properties.csv")
        data._load_collections(folder / "bin_collections.csv")
        data._load_accounts(folder / "council_tax.csv")
        _LOGGER.info("council data from %s: %d properties, %d with bins, %d tax accounts, "
                     "%d bad rows skipped", folder, len(data.properties), len(data.collections),
                     len(data.accounts), len(data.problems))
        return data

    def _load_properties(self, path: Path) -> None:
        keys = _Keys(self, "uprn")
        for row, where in _rows(path, ("uprn", "address", "postcode")):
            postcode = find_postcode(row["postcode"])
            if not row["uprn"].strip() or not row["address"].strip() or postcode is None:
                self._bad(where, "needs a uprn, an address and a valid UK postcode")
                continue
            prop = Property(row["uprn"].strip(), row["address"].strip(), postcode)
            if keys.first(prop.uprn, where):
                self.properties[prop.uprn] = prop
                self.by_postcode[postcode].append(prop)
        for uprn in keys.refused:
            prop = self.properties.pop(uprn)
            self.by_postcode[prop.postcode].remove(prop)
            if not self.by_postcode[prop.postcode]:
                del self.by_postcode[prop.postcode]

    def _load_collections(self, path: Path) -> None:
        keys = _Keys(self, "uprn and service")
        for row, where in _rows(path, ("uprn", "service", "next_date", "frequency_days")):
            try:
                collection = Collection(row["uprn"].strip(), row["service"].strip().lower(),
                                        date.fromisoformat(row["next_date"].strip()),
                                        int(row["frequency_days"]))
            except ValueError as err:
                self._bad(where, f"bad value ({err})")
                continue
            if collection.service not in SERVICES or collection.frequency_days < 1:
                self._bad(where, f"service must be one of {', '.join(SERVICES)} and "
                                 "frequency_days at least 1")
            elif collection.uprn not in self.properties:
                self._bad(where, f"unknown uprn {collection.uprn}")
            elif keys.first(f"{collection.uprn} {collection.service}", where):
                self.collections[collection.uprn].append(collection)
        for key in keys.refused:
            uprn, service = key.split(" ")
            self.collections[uprn] = [c for c in self.collections[uprn] if c.service != service]

    def _load_accounts(self, path: Path) -> None:
        keys = _Keys(self, "account_ref")
        for row, where in _rows(path, ("account_ref", "uprn", "surname", "band", "balance",
                                       "next_due_date", "next_due_amount")):
            try:
                due = row["next_due_date"].strip()
                amount = row["next_due_amount"].strip()
                account = TaxAccount(
                    row["account_ref"].strip(), row["uprn"].strip(), row["surname"].strip(),
                    row["band"].strip().upper(), _money(row["balance"]),
                    date.fromisoformat(due) if due else None, _money(amount) if amount else None)
            except (ValueError, InvalidOperation) as err:
                self._bad(where, f"bad value ({err})")
                continue
            if not account.account_ref.isdigit():
                self._bad(where, "account_ref must be digits")
            elif account.uprn not in self.properties:
                self._bad(where, f"unknown uprn {account.uprn}")
            elif keys.first(account.account_ref, where):
                self.accounts[account.account_ref] = account
        for ref in keys.refused:
            del self.accounts[ref]

    def _bad(self, where: str, why: str) -> None:
        message = f"{where}: {why}; row skipped"
        self.problems.append(message)
        _LOGGER.warning("%s", message)

    @property
    def postcodes(self) -> list[str]:
        return sorted(self.by_postcode)

    def match_postcode(self, heard: list[str]) -> tuple[str | None, float]:
        """The council postcode the caller most likely said, and how sure (0..1).

        Exact matches in any hypothesis are certain; otherwise the letters and digits heard are
        compared with every postcode the council has (so "LF6 2 cutie" can still find LS6 2QT,
        to be confirmed with the caller).
        """
        for text in heard:
            found = find_postcode(text)
            if found in self.by_postcode:
                return found, 1.0
        best, best_score = None, 0.0
        for text in heard:
            compact = letters_and_digits(text)
            if len(compact) < 4:
                continue
            for postcode in self.by_postcode:
                target = postcode.replace(" ", "")
                score = max(fuzz.ratio(compact, target), fuzz.partial_ratio(target, compact))
                if score > best_score:
                    best, best_score = postcode, score
        return (best, best_score / 100) if best_score >= 70 else (None, 0.0)

    def match_address(self, postcode: str, heard: list[str]) -> tuple[Property | None, float]:
        """The property at ``postcode`` the caller described (number or name, street)."""
        candidates = self.by_postcode.get(postcode, [])
        best, best_score = None, 0.0
        for text in heard:
            said = words_to_digits(text).lower()
            number = _house_number(said)
            for prop in candidates:
                address = prop.address.lower()
                score = fuzz.token_set_ratio(said, address) / 100
                house = _house_number(address)
                if number and house:
                    score = score + 0.3 if number == house else score - 0.5
                if score > best_score:
                    best, best_score = prop, score
        return (best, min(best_score, 1.0)) if best_score >= 0.55 else (None, 0.0)

    def streets_at(self, postcode: str) -> list[str]:
        names = {" ".join(w for w in p.address.split() if not w[0].isdigit())
                 for p in self.by_postcode.get(postcode, [])}
        return sorted(n for n in names if n)


class _Keys:
    """Which rows of one file hold each key. A key on two rows is refused on both: nobody can
    tell which row is right, and the wrong one could verify a caller or send a crew to the
    wrong house."""

    def __init__(self, data: CouncilData, name: str) -> None:
        self._data, self._name = data, name
        self._where: dict[str, str] = {}
        self.refused: set[str] = set()

    def first(self, key: str, where: str) -> bool:
        """True for the first row with ``key``; later rows are reported with both lines."""
        if key not in self._where:
            self._where[key] = where
            return True
        first = self._where[key]
        if key not in self.refused:
            self.refused.add(key)
            self._data._bad(first, f"duplicate {self._name} {key} (again at line "
                                   f"{where.rsplit(':', 1)[1]})")
        self._data._bad(where, f"duplicate {self._name} {key} (first at line "
                               f"{first.rsplit(':', 1)[1]})")
        return False


def _house_number(text: str) -> str | None:
    for word in text.replace(",", " ").split():
        if word[:1].isdigit():
            return word.rstrip(".")
    return None


def _money(text: str) -> Decimal:
    value = Decimal(text.strip().lstrip("£"))
    return value.quantize(Decimal("0.01"))


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[dict[str, str], str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError("data-columns", f"{path}: missing column(s) {', '.join(missing)}"
                                f" (expected {','.join(columns)})")
            return [({k: (v or "") for k, v in row.items() if k}, f"{path.name}:{reader.line_num}")
                    for row in reader]
    except OSError as err:
        raise DataError("data-unreadable", f"cannot read {path}: {err.strerror}") from err
