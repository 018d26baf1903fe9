"""Call outcomes shared through the database (both engines): telephony's ``OutcomeBook`` on one
process answers for a call whose stream ran on another."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from telephony import Outcome, TransferTarget
from telephony.twilio.outcomes import OutcomeBook
from voicebot.records.outcomes import StoredOutcomes
from voicebot.storage import Database, open_database

TRANSFER = Outcome("transfer", reason="moving home",
                   target=TransferTarget("number", "+441130000001"),
                   whisper_url="https://voicebot.example.gov.uk/twilio/whisper-audio/x.wav",
                   context={"team": "council_tax", "slots": {"account": "12345678"},
                            "transcript": [{"who": "caller", "text": "I'm moving"}]})


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = await asyncio.to_thread(open_database, database_url)
    yield opened
    opened.close()


async def test_the_other_process_waits_for_an_outcome_still_coming(database: Database) -> None:
    here, there = StoredOutcomes(database), StoredOutcomes(database)
    holding, asked = OutcomeBook(ledger=here), OutcomeBook(ledger=there)
    try:
        holding.begin("CA1")
        here.flush()

        async def finish_later() -> None:
            await asyncio.sleep(0.3)
            holding.settle("CA1", TRANSFER)

        finishing = asyncio.create_task(finish_later())
        started = time.monotonic()
        outcome = await asyncio.wait_for(asked.wait("CA1", patience=5.0), 6.0)
        waited = time.monotonic() - started
        await finishing
        assert outcome == TRANSFER  # every field survives the trip through the database
        assert 0.25 < waited < 2.0
        assert await asked.find("CA1") == TRANSFER
        assert asked.get("CA1") is None  # ``get`` stays this process's own
    finally:
        here.close()
        there.close()


async def test_unknown_and_unfinished_calls(database: Database) -> None:
    here, there = StoredOutcomes(database), StoredOutcomes(database)
    holding, asked = OutcomeBook(ledger=here), OutcomeBook(ledger=there)
    try:
        started = time.monotonic()
        assert await asked.wait("NEVER", patience=5.0) is None
        assert time.monotonic() - started < 1.0  # no stream anywhere: no point waiting
        holding.begin("RUNNING")
        here.flush()
        assert await asked.wait("RUNNING", patience=0.3) is None
        assert await asked.find("RUNNING") is None
    finally:
        here.close()
        there.close()


async def test_outcomes_are_read_only_while_twilio_may_ask(database: Database) -> None:
    now = [1000.0]
    here = StoredOutcomes(database, keep=900.0, clock=lambda: now[0])
    try:
        here.settled("CA2", Outcome("hangup", reason="goodbye"))
        here.flush()
        assert await here.lookup("CA2") is not None
        now[0] += 901
        assert await here.lookup("CA2") is None
    finally:
        here.close()
