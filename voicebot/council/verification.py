"""Checking who is calling before anything about an account is said, with a limit on guesses.

An account number matches exactly (the slot never holds part of a longer number), and so must
each factor the flow names: the property's postcode, and optionally the surname on the
account. Failed attempts are counted per call and per account; past either limit the caller is
locked out (even the right details no longer verify) and the flow transfers them, with the
reason for the agent. The per-account count lives in storage, so it holds across calls and
processes; a success clears it.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from rapidfuzz import fuzz

from voicebot.council.data import CouncilData
from voicebot.language.spoken import find_postcode
from voicebot.storage import Database, open_database, sqlite_url

FACTORS = ("postcode", "surname")
"""What a flow may ask for besides the account number (``send:`` on the lookup step)."""
SURNAME_SIMILARITY = 85
"""How close (0-100) a heard surname must be: Whisper spells unusual names a letter off."""


@dataclass(frozen=True)
class VerificationPolicy:
    """Attempt limits (``verification`` in the settings)."""

    max_failures_per_call: int = 2
    max_failures_per_account: int = 3
    window_seconds: float = 24 * 3600
    """How long a failure counts against the account."""


class AttemptStore(Protocol):
    """Where failed attempts are kept; shared by every process that answers calls."""

    def record_failure(self, account: str, call_sid: str, at: float) -> None: ...

    def failures(self, account: str, call_sid: str, since: float) -> tuple[int, int]:
        """(failures in this call, failures on this account since ``since``)."""
        ...

    def clear(self, account: str) -> None: ...


@dataclass(frozen=True)
class Verdict:
    verified: bool
    locked: bool = False
    reason: str = ""
    """Why the caller is locked out, for the agent (empty otherwise)."""

    def as_result(self) -> dict[str, Any]:
        return {"verified": self.verified, "locked": self.locked, "reason": self.reason}


class Verifier:
    """Checks one attempt against the council's data and the attempt limits."""

    def __init__(self, council: CouncilData, store: AttemptStore,
                 policy: VerificationPolicy | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.council = council
        self.store = store
        self.policy = policy or VerificationPolicy()
        self._clock = clock

    async def check(self, call_sid: str, slots: Mapping[str, Any],
                    factors: Sequence[str] = ("postcode",)) -> Verdict:
        account = str(slots.get("account") or "")
        since = self._clock() - self.policy.window_seconds
        counts = await asyncio.to_thread(self.store.failures, account, call_sid, since)
        if (locked := self._locked(*counts)) is not None:
            return locked
        if self.matches(account, slots, factors):
            await asyncio.to_thread(self.store.clear, account)
            return Verdict(True)
        await asyncio.to_thread(self.store.record_failure, account, call_sid, self._clock())
        per_call, per_account = counts
        return self._locked(per_call + 1, per_account + 1) or Verdict(False)

    def _locked(self, per_call: int, per_account: int) -> Verdict | None:
        policy = self.policy
        if per_call >= policy.max_failures_per_call:
            return Verdict(False, True, f"{per_call} failed verification attempts in this call")
        if per_account >= policy.max_failures_per_account:
            hours = round(policy.window_seconds / 3600)
            return Verdict(False, True, f"{per_account} failed verification attempts on this "
                                        f"account in {hours} hours")
        return None

    def matches(self, account_ref: str, slots: Mapping[str, Any],
                factors: Sequence[str]) -> bool:
        """Every factor named matches the account exactly (the surname allowing for spelling)."""
        account = self.council.accounts.get(account_ref)
        prop = self.council.properties.get(account.uprn) if account else None
        if account is None or prop is None or not factors:
            return False
        for factor in factors:
            said = str(slots.get(factor) or "")
            if factor == "postcode" and find_postcode(said) != prop.postcode:
                return False
            if factor == "surname" and not surname_matches(said, account.surname):
                return False
        return True


def surname_matches(said: str, surname: str) -> bool:
    """"it's Patel", "P A T E L", "okafore" (for Okafor): the surname, allowing a slip."""
    wanted = _letters(surname)
    if len(wanted) < 2:
        return False
    words = re.findall(r"[a-z]+", said.lower().replace("'", ""))
    spelled = "".join(w for w in words if len(w) == 1)
    candidates = [*words, spelled, "".join(words)]
    candidates += [a + b for a, b in itertools.pairwise(words)]
    for candidate in candidates:
        if candidate == wanted:
            return True
        if len(wanted) >= 4 and fuzz.ratio(candidate, wanted) >= SURNAME_SIMILARITY:
            return True
    return False


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


class StoredAttempts:
    """``AttemptStore`` in the service's database, so every process counts the same failures.

    Old rows are deleted as new failures come in. Every method blocks (the database may be a
    server away); the ``Verifier`` calls them in a worker thread.
    """

    def __init__(self, store: Database | Path, keep_seconds: float = 7 * 86400) -> None:
        self.database = store if isinstance(store, Database) else open_database(
            sqlite_url(store))
        self._keep = keep_seconds

    def record_failure(self, account: str, call_sid: str, at: float) -> None:
        with self.database.transaction() as conn:
            conn.execute("INSERT INTO verification_failures (account, call_sid, at) "
                         "VALUES (?, ?, ?)", (account, call_sid, at))
            conn.execute("DELETE FROM verification_failures WHERE at < ?", (at - self._keep,))

    def failures(self, account: str, call_sid: str, since: float) -> tuple[int, int]:
        with self.database.transaction(write=False) as conn:
            per_call = conn.execute(
                "SELECT count(*) AS n FROM verification_failures WHERE call_sid = ?",
                (call_sid,)).fetchone()["n"]
            per_account = conn.execute(
                "SELECT count(*) AS n FROM verification_failures WHERE account = ? "
                "AND account != '' AND at >= ?", (account, since)).fetchone()["n"]
        return int(per_call), int(per_account)

    def clear(self, account: str) -> None:
        with self.database.transaction() as conn:
            conn.execute("DELETE FROM verification_failures WHERE account = ?", (account,))
