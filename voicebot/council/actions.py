"""Named actions that call flows can run (``lookup: next_collections``), over council data.

Each action takes the call's slots and returns a mapping of plain values that prompts can use;
personal data is only returned by actions that check the caller is verified first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from voicebot.council.cases import CaseStore
from voicebot.council.data import CouncilData
from voicebot.council.verification import (
    FACTORS,
    StoredAttempts,
    VerificationPolicy,
    Verifier,
)
from voicebot.errors import DataError
from voicebot.language.spoken import say_date, say_digits, say_money
from voicebot.storage import Database

_LOGGER = logging.getLogger(__name__)

MISSED_WINDOW_DAYS = 3
"""A bin counts as missed only if its collection was due in the last few days."""


@dataclass
class ActionContext:
    """What an action may read and change: the call's slots and verification state."""

    call_sid: str
    slots: dict[str, Any]
    verified: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)


Action = Callable[[ActionContext], Awaitable[dict[str, Any]]]


class Services:
    """The council's data and stores, and the actions flows may run against them."""

    def __init__(self, council: CouncilData, database: Path | Database,
                 verification: VerificationPolicy | None = None) -> None:
        self.council = council
        self.cases = CaseStore(database)
        self.attempts = StoredAttempts(database)
        self.verifier = Verifier(council, self.attempts, verification)
        self.actions: dict[str, Action] = {
            "next_collections": self.next_collections,
            "check_missed_bin": self.check_missed_bin,
            "report_missed_bin": self.report_missed_bin,
            "verify_council_tax": self.verify_council_tax,
            "council_tax_summary": self.council_tax_summary,
            "http": self.http,
        }

    async def run(self, name: str, context: ActionContext) -> dict[str, Any]:
        try:
            action = self.actions[name]
        except KeyError:
            raise DataError("unknown-action", f"no action called {name!r}") from None
        return await action(context)

    def _today(self) -> date:
        return self.council.today()

    def _uprn(self, context: ActionContext) -> str:
        address = context.slots.get("address")
        if not isinstance(address, Mapping) or "uprn" not in address:
            raise DataError("no-address", "this action needs the caller's address first")
        return str(address["uprn"])

    async def next_collections(self, context: ActionContext) -> dict[str, Any]:
        today = self._today()
        upcoming = sorted(
            ((c.next_on_or_after(today), c.service) for c in
             self.council.collections.get(self._uprn(context), [])),
        )
        wanted = context.slots.get("bin_type")
        if wanted:
            upcoming = [u for u in upcoming if u[1] == wanted]
        if not upcoming:
            return {"found": False, "spoken": ""}
        parts = [f"your {service} {'bin' if service != 'food' else 'caddy'} on "
                 f"{_when(day, today)}" for day, service in upcoming]
        spoken = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", and " + parts[-1]
        return {"found": True, "spoken": spoken, "first_service": upcoming[0][1],
                "first_date": _when(upcoming[0][0], today), "count": len(upcoming)}

    async def check_missed_bin(self, context: ActionContext) -> dict[str, Any]:
        uprn, service = self._uprn(context), str(context.slots.get("bin_type", ""))
        today = self._today()
        schedule = [c for c in self.council.collections.get(uprn, []) if c.service == service]
        if not schedule:
            return {"due": False, "has_service": False, "last_date": "", "next_date": ""}
        collection = schedule[0]
        last = collection.latest_on_or_before(today)
        due = (today - last).days <= MISSED_WINDOW_DAYS
        existing = await asyncio.to_thread(self.cases.recent, "missed-bin", uprn,
                                           f"{service} {last.isoformat()}",
                                           time.time() - 14 * 86400)
        return {
            "due": due,
            "has_service": True,
            "last_date": _when(last, today),
            "next_date": _when(collection.next_on_or_after(today + timedelta(days=1)), today),
            "already_reported": existing is not None,
            "existing_reference": say_digits(existing.reference) if existing else "",
        }

    async def report_missed_bin(self, context: ActionContext) -> dict[str, Any]:
        uprn, service = self._uprn(context), str(context.slots.get("bin_type", ""))
        today = self._today()
        schedule = [c for c in self.council.collections.get(uprn, []) if c.service == service]
        last = schedule[0].latest_on_or_before(today) if schedule else today
        case = await asyncio.to_thread(self.cases.open, "missed-bin", uprn,
                                       f"{service} {last.isoformat()}", context.call_sid)
        _LOGGER.info("call %s: missed %s bin case %s", context.call_sid, service, case.reference)
        return {"reference": case.reference, "reference_spoken": say_digits(case.reference)}

    async def verify_council_tax(self, context: ActionContext) -> dict[str, Any]:
        """The account number and each factor in ``send`` (default: the postcode) must match;
        too many failures lock the caller out (``locked``, with the ``reason`` for the agent)."""
        named = [str(name) for name in context.options.get("send") or []]
        factors = [name for name in named if name in FACTORS] or ["postcode"]
        verdict = await self.verifier.check(context.call_sid, context.slots, factors)
        context.verified = verdict.verified
        if verdict.locked:
            _LOGGER.warning("call %s: verification locked: %s", context.call_sid, verdict.reason)
        return verdict.as_result()

    async def council_tax_summary(self, context: ActionContext) -> dict[str, Any]:
        if not context.verified:
            raise DataError("not-verified", "council tax details need a verified caller")
        account = self.council.accounts[str(context.slots["account"])]
        today = self._today()
        due = account.next_due_date
        return {
            "balance": say_money(account.balance),
            "band": account.band,
            "has_due": due is not None and account.next_due_amount is not None,
            "next_amount": say_money(account.next_due_amount) if account.next_due_amount else "",
            "next_date": _when(due, today) if due else "",
            "address": self.council.properties[account.uprn].address,
        }

    async def http(self, context: ActionContext) -> dict[str, Any]:
        """Calls one of the council's own systems: ``act: http`` with ``url`` and ``send``."""
        url = str(context.options.get("url", ""))
        sent = {name: context.slots.get(name) for name in context.options.get("send", [])}
        try:
            async with httpx.AsyncClient(timeout=float(context.options.get("timeout", 5))) as c:
                response = await c.post(url, json={"call_sid": context.call_sid, **sent})
                response.raise_for_status()
                body = response.json()
        except (httpx.HTTPError, ValueError) as err:
            raise DataError("http-action-failed", f"{url}: {err}") from err
        if not isinstance(body, dict):
            raise DataError("http-action-failed", f"{url} did not answer a JSON object")
        return body

    def close(self) -> None:
        self.cases.close()


def _when(day: date, today: date) -> str:
    if day == today:
        return "today, " + say_date(day, today)
    if day == today + timedelta(days=1):
        return "tomorrow, " + say_date(day, today)
    return say_date(day, today)
