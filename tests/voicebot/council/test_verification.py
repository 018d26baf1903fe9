"""Verification cannot be guessed: attempt limits per call and per account, an optional surname.

The dialogue tests run the real flows over the demo council's data and a real SQLite file; the
per-account count is checked across separate processes sharing that file.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from voicebot.council.actions import Services
from voicebot.council.data import CouncilData
from voicebot.council.verification import (
    StoredAttempts,
    VerificationPolicy,
    Verifier,
    surname_matches,
)
from voicebot.events import CallEvent
from voicebot.flows.actions import CallerTurn, Handover, Say
from voicebot.flows.conversation_tests import AlwaysOpen, fixed_today
from voicebot.flows.engine import Dialogue
from voicebot.flows.registry import build
from voicebot.storage import open_database

ROOT = Path(__file__).resolve().parents[3]
RIGHT = {"account": "40019283", "postcode": "LS6 2QT"}
WRONG = {"account": "40019283", "postcode": "M14 5RN"}


def council() -> CouncilData:
    return CouncilData.load(ROOT / "seeds", today=fixed_today)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def said(actions: list[object]) -> str:
    return " ".join(a.text for a in actions if isinstance(a, Say))


async def dialogue_for(tmp_path: Path, flows: Path = ROOT / "flows", sid: str = "CA1"
                       ) -> Dialogue:
    services = Services(council(), tmp_path / "voicebot.db")
    built = build(flows, services.actions, ["general", "bins", "council_tax"])
    assert not isinstance(built, list), [str(p) for p in built]
    events: list[CallEvent] = []
    dialogue = Dialogue(built, services, events.append, sid, AlwaysOpen())
    await dialogue.start()
    return dialogue


async def attempt(dialogue: Dialogue, postcode: str) -> list[object]:
    await dialogue.hear(CallerTurn(text="what's my council tax balance"))
    await dialogue.hear(CallerTurn(digits="40019283"))
    return list(await dialogue.hear(CallerTurn(text=postcode)))


async def test_two_wrong_postcodes_lock_the_call_out_and_transfer_it(tmp_path: Path) -> None:
    dialogue = await dialogue_for(tmp_path)
    first = await attempt(dialogue, "M14 5RN")
    assert "couldn't match" in said(first)
    await dialogue.hear(CallerTurn(text="no thanks"))
    second = await attempt(dialogue, "SK4 1AA")
    handover = next(a for a in second if isinstance(a, Handover))
    assert handover.team == "council_tax"
    assert "verification locked: 2 failed verification attempts in this call" in handover.reason
    assert "for your security" in said(second) and "pounds" not in said(second)
    assert not dialogue.verified


async def test_the_right_details_after_two_wrong_ones_reveal_nothing(database_url: str) -> None:
    verifier = Verifier(council(), StoredAttempts(open_database(database_url)))
    verdicts = [await verifier.check("CA1", details) for details in (WRONG, WRONG, RIGHT)]
    assert [v.verified for v in verdicts] == [False, False, False]
    assert [v.locked for v in verdicts] == [False, True, True]


async def test_failures_on_one_account_add_up_across_calls(database_url: str) -> None:
    clock = Clock()
    verifier = Verifier(council(), StoredAttempts(open_database(database_url)), clock=clock)
    for call in ("CA1", "CA2", "CA3"):
        assert not (await verifier.check(call, WRONG)).verified
    locked = await verifier.check("CA4", RIGHT)
    assert locked.locked and not locked.verified
    assert locked.reason == "3 failed verification attempts on this account in 24 hours"
    clock.now += 24 * 3600 + 1  # the window has passed
    assert (await verifier.check("CA5", RIGHT)).verified


async def test_a_success_clears_the_count(database_url: str) -> None:
    verifier = Verifier(council(), StoredAttempts(open_database(database_url)))
    await verifier.check("CA1", WRONG)
    await verifier.check("CA2", WRONG)
    assert (await verifier.check("CA3", RIGHT)).verified
    assert not (await verifier.check("CA4", WRONG)).locked


async def test_the_count_survives_other_processes(tmp_path: Path) -> None:
    database = tmp_path / "voicebot.db"
    script = textwrap.dedent(f"""
        import asyncio, sys
        from pathlib import Path
        from voicebot.council.data import CouncilData
        from voicebot.council.verification import StoredAttempts, Verifier
        verifier = Verifier(CouncilData.load(Path({str(ROOT / "seeds")!r})),
                            StoredAttempts(Path({str(database)!r})))
        asyncio.run(verifier.check(sys.argv[1], {WRONG!r}))
    """)
    for call in ("CA1", "CA2", "CA3"):
        process = await asyncio.create_subprocess_exec(sys.executable, "-c", script, call)
        assert await asyncio.wait_for(process.wait(), 60) == 0
    verifier = Verifier(council(), StoredAttempts(database))
    assert (await verifier.check("CA9", RIGHT)).locked


async def test_limits_come_from_the_policy(database_url: str) -> None:
    policy = VerificationPolicy(max_failures_per_call=3, max_failures_per_account=10)
    verifier = Verifier(council(), StoredAttempts(open_database(database_url)), policy)
    verdicts = [await verifier.check("CA1", details) for details in (WRONG, WRONG, RIGHT)]
    assert [v.verified for v in verdicts] == [False, False, True]


@pytest.mark.parametrize(("heard", "surname", "match"), [
    ("Patel", "Patel", True), ("it's patel", "Patel", True), ("P A T E L", "Patel", True),
    ("okafore", "Okafor", True), ("O'Brien", "O'Brien", True), ("Smith", "Patel", False),
    ("pat", "Patel", False), ("", "Patel", False), ("my name is Jones", "Evans", False),
])
def test_surname_matching(heard: str, surname: str, match: bool) -> None:
    assert surname_matches(heard, surname) is match


def flows_with_surname(tmp_path: Path) -> Path:
    """The shipped flows, with the council tax check asking for the surname as well."""
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "main.yaml").write_text((ROOT / "flows" / "main.yaml").read_text())
    (folder / "bins.yaml").write_text((ROOT / "flows" / "bins.yaml").read_text())
    flow = yaml.safe_load((ROOT / "flows" / "council_tax.yaml").read_text())
    flow["slots"]["surname"] = {"type": "text"}
    steps = flow["steps"]
    check = next(i for i, s in enumerate(steps) if s.get("lookup") == "verify_council_tax")
    steps[check]["send"] = ["postcode", "surname"]
    steps.insert(check, {"ask": "surname", "prompt": "And the surname on the account?"})
    (folder / "council_tax.yaml").write_text(yaml.safe_dump(flow, sort_keys=False))
    return folder


@pytest.mark.parametrize(("surname", "verified"), [("Patel", True), ("P A T E L", True),
                                                   ("Smith", False)])
async def test_a_flow_can_ask_for_the_surname_too(tmp_path: Path, surname: str,
                                                  verified: bool) -> None:
    dialogue = await dialogue_for(tmp_path, flows_with_surname(tmp_path))
    asked = await attempt(dialogue, "LS6 2QT")
    assert "surname" in said(asked)
    answer = await dialogue.hear(CallerTurn(text=surname))
    assert dialogue.verified is verified
    assert ("balance is" in said(answer)) is verified
