"""SIGTERM to a real ``voicebot serve`` in the middle of two calls, placed the way Twilio does.

One caller asks for a person and is finished before the drain limit; the other stays silent and
is still on the line at the limit, so it is handed over with the outcome ``shutdown``. Meanwhile
the process is alive but not ready, refuses a new call as busy, and still answers the action
URLs and the agent's whisper; then it exits by itself with status 0.
"""

from __future__ import annotations

import asyncio
import signal
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest

from telephony.twilio.caller import ScriptedCaller, Silence, Speech
from telephony.twilio.client import TwilioClient
from tests.e2e.processes import TOKEN, ServeProcess, serve
from tests.voicebot.speech.conftest import phone_line
from voicebot.call.handing import SHUTDOWN_NOTICE
from voicebot.records import CallRecords
from voicebot.speech.engines import SpeechEngines

AGENT = {"kind": "number", "address": "+441134960001", "hours": "always"}


async def calls_in_progress(http: httpx.AsyncClient, url: str) -> int:
    body: dict[str, Any] = (await http.get(f"{url}/healthz/live")).json()
    return int(body["drain"]["calls_in_progress"])


async def wait_for_calls(http: httpx.AsyncClient, url: str, count: int) -> None:
    deadline = time.monotonic() + 20
    while await calls_in_progress(http, url) < count:
        assert time.monotonic() < deadline, "the calls never started"
        await asyncio.sleep(0.1)


async def fetch_whisper(client: TwilioClient, outcome_twiml: str) -> bytes:
    """What the agent's phone does on answering: the whisper TwiML, then its audio."""
    number = ET.fromstring(outcome_twiml).find("Dial/Number")
    assert number is not None, outcome_twiml
    response = await client.post(number.get("url", ""), client.call_params())
    play = ET.fromstring(response.text).find("Play")
    assert play is not None and play.text, response.text
    async with httpx.AsyncClient() as http:
        audio = await http.get(client.reachable(play.text))
    assert audio.status_code == 200
    return audio.content


async def drained_calls(served: ServeProcess, engines: SpeechEngines) -> tuple[Any, Any]:
    person = Speech(phone_line(engines, "Can I speak to a real person please?"), "person")
    async with TwilioClient(served.url, TOKEN) as asker, \
            TwilioClient(served.url, TOKEN) as silent, httpx.AsyncClient() as http:
        asking = asyncio.create_task(ScriptedCaller(asker, quiet=1.2, reply_timeout=20,
                                                    end_timeout=15).run([person], hang_up=False))
        await wait_for_calls(http, served.url, 1)
        # The signal comes 8 s into the first call (about when the caller speaks) and as the
        # second starts: about 15 s of the first call are left, and 35 s of the second, which
        # goes through every silence prompt before it hangs up.
        await asyncio.sleep(8)
        waiting = asyncio.create_task(ScriptedCaller(silent, quiet=1.2, reply_timeout=20).run(
            [Silence(60)], hang_up=False))
        await wait_for_calls(http, served.url, 2)
        served.signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        assert (await http.get(f"{served.url}/healthz/ready")).status_code == 503
        assert (await http.get(f"{served.url}/healthz/live")).status_code == 200
        async with TwilioClient(served.url, TOKEN) as newcomer:
            refused = await newcomer.post(f"{served.url}/twilio/voice", newcomer.call_params())
        assert refused.status_code == 200
        assert ET.fromstring(refused.text).find("Reject").get("reason") == "busy"  # type: ignore[union-attr]
        asked = await asking
        whisper = await fetch_whisper(asker, asked.outcome_twiml)
        assert whisper[:4] == b"RIFF" and len(whisper) > 8000
        cut = await waiting
        await fetch_whisper(silent, cut.outcome_twiml)
    return asked, cut


@pytest.mark.slow
async def test_sigterm_mid_call_finishes_the_calls_and_records_them(
    tmp_path: Path, engines: SpeechEngines
) -> None:
    with serve(tmp_path, transfer_targets={"general": AGENT},
               drain={"limit_seconds": 28, "linger_seconds": 30}) as served:
        asked, cut = await drained_calls(served, engines)
        assert served.wait(60) == 0, served.output()
    log = served.output()
    assert "drain limit reached: handing over 1 call(s)" in log, log
    records = CallRecords(tmp_path / "state" / "voicebot.db")
    try:
        finished = records.get_call(asked.call_sid)
        handed_over = records.get_call(cut.call_sid)
    finally:
        records.close()
    assert finished is not None and handed_over is not None
    assert finished["outcome"] == "transferred", finished
    assert handed_over["outcome"] == "shutdown", handed_over
    assert handed_over["transfer_reason"] == "service shutdown"
    bot = [t["text"] for t in handed_over["turns"] if t["who"] == "bot"]
    assert bot[-1] == SHUTDOWN_NOTICE, bot
    assert cut.replies[-1].seconds > 3.0  # the caller heard the notice before the handover
