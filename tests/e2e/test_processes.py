"""Two ``voicebot serve`` processes behind the shipped nginx site, sharing one PostgreSQL.

Calls are placed through nginx the way Twilio places them. Each call's media stream stays on the
process nginx gave it to; its ``<Connect action>`` request, and the agent's whisper, are sent to
the *other* process (as nginx, routing without stickiness, may do), which must answer from the
shared store. Then the call records, ``/api/calls`` and the agent desktop's queue, read
through nginx, must agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from telephony.twilio.caller import CallReport, ScriptedCaller, Speech
from telephony.twilio.client import TwilioClient
from tests.e2e import proxy
from tests.e2e.processes import API_TOKEN, TOKEN, ServeProcess, serve
from tests.voicebot.speech.conftest import phone_line
from voicebot.commands.passwords import hash_password
from voicebot.speech.engines import SpeechEngines

postgres_fixtures = pytest.importorskip(
    "tests.postgres", reason="WAITING FOR THE STORAGE BRANCH: PostgreSQL fixtures and "
    "database_url (shared outcomes, queue and desktop sessions)")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not proxy.available(), reason="nginx is not installed "
                       "(scripts/setup --browser installs it)"),
]

AGENT = {"kind": "number", "address": "+441134960001", "hours": "always"}
PASSWORD = "agent-password-1"


class ElsewhereClient(TwilioClient):
    """Twilio through nginx, except that follow-up requests reach the process that did not
    carry the call's media stream."""

    processes: list[ServeProcess]
    answered_by: str = ""

    @contextlib.contextmanager
    def as_if_through(self, front: str) -> Iterator[None]:
        """Send the request straight to a process with the ``Host`` nginx passes on, as if
        nginx had picked that process: the signature covers the URL Twilio knows."""
        self._http.headers["Host"] = urlsplit(front).netloc
        try:
            yield
        finally:
            del self._http.headers["Host"]

    def other(self) -> ServeProcess:
        marker = f"call {self.call_sid}: media stream"
        holders = [p for p in self.processes if marker in p.output()]
        assert len(holders) == 1, f"{self.call_sid} carried by {len(holders)} processes"
        return next(p for p in self.processes if p is not holders[0])

    async def after(self, action_url: str) -> str:
        elsewhere = self.other()
        self.answered_by = elsewhere.url
        through_nginx, self.base_url = self.base_url, elsewhere.url
        try:
            with self.as_if_through(through_nginx):
                return await super().after(action_url)
        finally:
            self.base_url = through_nginx

    async def whisper(self, outcome_twiml: str) -> bytes:
        """The agent's phone answering: the whisper TwiML and audio, from the other process."""
        number = ET.fromstring(outcome_twiml).find("Dial/Number")
        assert number is not None and number.get("url"), outcome_twiml
        through_nginx, self.base_url = self.base_url, self.other().url
        try:
            with self.as_if_through(through_nginx):
                response = await self.post(number.get("url", ""), self.call_params())
            play = ET.fromstring(response.text).find("Play")
            assert play is not None and play.text, response.text
            async with httpx.AsyncClient() as http:
                audio = await http.get(self.reachable(play.text))
        finally:
            self.base_url = through_nginx
        assert audio.status_code == 200
        return audio.content


async def place(front: str, processes: list[ServeProcess], steps: list[Speech],
                stagger: float) -> tuple[CallReport, ElsewhereClient]:
    await asyncio.sleep(stagger)
    client = ElsewhereClient(front, TOKEN)
    client.processes = processes
    async with client:
        report = await ScriptedCaller(client, quiet=1.2, reply_timeout=20, end_timeout=15).run(
            steps, hang_up=False)  # type: ignore[arg-type]
        if "<Dial" in report.outcome_twiml:
            assert (await client.whisper(report.outcome_twiml))[:4] == b"RIFF"
    return report, client


async def desktop_queue(front: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=front, headers={"Origin": front}) as http:
        form = await http.get("/desktop/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token, form.text
        login = await http.post("/desktop/login", data={
            "username": "alice", "password": PASSWORD, "csrf": token.group(1)})
        assert login.status_code == 303, login.text
        queue = await http.get("/desktop/api/queue")
    assert queue.status_code == 200, queue.text
    calls: list[dict[str, Any]] = queue.json()["calls"]
    return calls


async def api(front: str, path: str) -> Any:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{front}{path}",
                                  headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert response.status_code == 200, response.text
    return response.json()


async def test_calls_through_nginx_are_finished_by_either_process(
    tmp_path: Path, engines: SpeechEngines, postgres: Any
) -> None:
    shared = {
        "database_url": postgres.create_database(),
        "session_secret": "one-secret-for-every-process",
        "agents": [{"username": "alice", "password_hash": hash_password(PASSWORD, rounds=4)}],
        "transfer_targets": {"general": AGENT},
        "drain": {"new_calls": "proxy"},
    }
    person = [Speech(phone_line(engines, "Can I speak to a real person please?"), "person")]
    paying = [Speech(phone_line(engines, "How do I pay my council tax?"), "pay"),
              Speech(phone_line(engines, "No, that's all, thank you."), "no")]
    with serve(tmp_path / "a", **shared) as first, serve(tmp_path / "b", **shared) as second:
        processes = [first, second]
        upstreams = [p.url.removeprefix("http://") for p in processes]
        with proxy.nginx(tmp_path / "nginx", upstreams) as front:
            (transferred, _), (contained, _) = await asyncio.gather(
                place(front, processes, person, 0.0), place(front, processes, paying, 0.5))
            await asyncio.sleep(1.0)
            records = {sid: await api(front, f"/api/calls/{sid}")
                       for sid in (transferred.call_sid, contained.call_sid)}
            listed = {c["call_sid"]: c for c in (await api(front, "/api/calls"))["calls"]}
            queue = {c["call_sid"]: c for c in await desktop_queue(front)}
        logs = [p.output() for p in processes]

    # The other process answered each action URL from the shared outcome, not its fallback.
    assert not any("no outcome known at the action URL" in log for log in logs), logs
    dial = ET.fromstring(transferred.outcome_twiml).find("Dial/Number")
    assert dial is not None and dial.get("url"), transferred.outcome_twiml  # whisper: real
    assert ET.fromstring(contained.outcome_twiml).find("Hangup") is not None, \
        contained.outcome_twiml

    # Records, the API's list and the desktop queue tell the same story.
    assert records[transferred.call_sid]["outcome"] == "transferred"
    assert records[contained.call_sid]["outcome"] == "contained"
    for sid, record in records.items():
        assert listed[sid]["outcome"] == record["outcome"]
    assert set(queue) & set(records) == {transferred.call_sid}
    entry, record = queue[transferred.call_sid], records[transferred.call_sid]
    assert entry["state"] == "waiting"
    assert (entry["team"], entry["reason"]) == (record["transfer"]["team"],
                                                record["transfer_reason"])
    said = [t["text"] for t in record["turns"] if t["who"] == "caller"]
    assert any("person" in text.lower() for text in said), said
