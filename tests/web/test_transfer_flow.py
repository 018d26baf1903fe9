"""A call handed over end to end: Twilio's side, the handoff, the records, the desktop, the whisper.

The conversation itself is the lead's CallSession; here a small handler does what it does at a
handover (events, ``Handoff.for_call``, close), so the seams between telephony, records, handoff
and the desktop are tested over real sockets with the real Piper voice.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from telephony.call import Call, Outcome
from telephony.twilio.client import TwilioClient
from telephony.twilio.routes import TwilioOptions, make_router
from tests.conftest import serving
from tests.voicebot.handoff.test_handoff import PiperSentences
from tests.web.conftest import build_service, desk_settings, log_in
from voicebot.config import Settings
from voicebot.events import CallEvent, CallEventType
from voicebot.flows.actions import Handover
from voicebot.handoff import Handoff, synthesize_with
from voicebot.web.whisper import make_whisper_router

TOKEN = "twilio-test-token"
SUMMARY = "Council tax enquiry, account verified, caller is moving home"


class Dialogue:
    verified = True
    slots = {"account": "12345678"}  # noqa: RUF012


@pytest.mark.slow
async def test_a_handed_over_call_reaches_the_agent(settings: Settings, tmp_path: Path) -> None:
    targets = {"council_tax": {"kind": "number", "address": "+441130000001", "hours": "always"}}
    service = build_service(desk_settings(tmp_path, transfer_targets=targets))
    handoff = Handoff(service.settings, synthesize=synthesize_with(PiperSentences()),
                      transcripts=service.records.read_transcript)

    async def handler(call: Call) -> Outcome:
        sid = call.info.call_sid
        emit = service.events
        emit(CallEvent(CallEventType.CALL_START, sid, {"from": call.info.from_number,
                                                       "to": call.info.to_number}))
        emit(CallEvent(CallEventType.TRANSCRIPT, sid, {"text": "I need to tell you I'm moving"}))
        emit(CallEvent(CallEventType.VERIFIED, sid, {}))
        handover = Handover("council_tax", "moving home", SUMMARY)
        outcome = await handoff.for_call(sid)(handover, Dialogue())
        emit(CallEvent(CallEventType.TRANSFER, sid, {
            "team": "council_tax", "reason": "moving home", "summary": SUMMARY,
            "verified": True, "slots": Dialogue.slots}))
        await call.close()
        emit(CallEvent(CallEventType.CALL_END, sid, {"outcome": "transferred",
                                                     "reason": "moving home"}))
        return outcome

    service.app.include_router(make_router(handler, service.records, TwilioOptions(TOKEN)))
    service.app.include_router(make_whisper_router(handoff))
    try:
        async with serving(service.app) as base, TwilioClient(base, TOKEN) as twilio:
            answer = await twilio.ring()
            stream = await twilio.open_stream(answer.stream_url, answer.parameters)
            try:
                while True:  # echo marks until the service ends the stream
                    message = json.loads(await stream.socket.recv())
                    if message["event"] == "mark":
                        await stream.send_mark(message["mark"]["name"])
            except ConnectionClosed:
                pass
            twiml = await twilio.after(answer.action_url)
            number = ET.fromstring(twiml).find("Dial/Number")
            assert number is not None and number.text == "+441130000001"
            whisper_twiml = await twilio.post(str(number.get("url")), twilio.call_params())
            play = ET.fromstring(whisper_twiml.text).find("Play")
            assert play is not None and play.text
            async with httpx.AsyncClient(base_url=base, trust_env=False) as http:
                audio = await http.get(twilio.reachable(play.text) if "://" in play.text
                                       else play.text, timeout=60)
                await log_in(http, "alice")
                entry = (await http.get(f"/desktop/api/calls/{twilio.call_sid}")).json()["call"]
                api = (await http.get(f"/api/calls/{twilio.call_sid}",
                                      headers={"Authorization": "Bearer api-token-123"})).json()
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
        assert len(audio.content) > 8000 * 2  # more than a second of speech
        assert entry["reason"] == "moving home" and entry["summary"] == SUMMARY
        assert entry["caller"] == twilio.from_number  # verified: in full
        assert entry["transcript"][0]["text"] == "I need to tell you I'm moving"
        assert api["outcome"] == "transferred" and api["from"] == "+44 7*** ***123"
    finally:
        service.live.close()
        service.records.close()
