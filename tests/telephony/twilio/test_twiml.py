"""TwiML for the stream and for every outcome."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from telephony.call import Outcome, TransferTarget
from telephony.twilio import twiml


def test_connect_stream() -> None:
    xml = twiml.connect_stream("wss://bot.example/twilio/media", "https://bot.example/twilio/after",
                               {"callSid": "CA1", "from": "+44 <7700> & 900"})
    root = ET.fromstring(xml)
    connect = root.find("Connect")
    assert connect is not None and connect.get("action") == "https://bot.example/twilio/after"
    stream = connect.find("Stream")
    assert stream is not None and stream.get("url") == "wss://bot.example/twilio/media"
    assert {p.get("name"): p.get("value") for p in stream.findall("Parameter")} == {
        "callSid": "CA1", "from": "+44 <7700> & 900"}


def test_stream_urls_cannot_carry_a_query() -> None:
    with pytest.raises(ValueError, match="query"):
        twiml.connect_stream("wss://bot.example/m?token=1", "https://bot.example/a", {})


def test_hangup() -> None:
    assert ET.fromstring(twiml.for_outcome(Outcome("hangup"), "CA1")).find("Hangup") is not None
    # A transfer with nowhere to go cannot dial: the call ends rather than hanging in silence.
    assert "<Hangup" in twiml.for_outcome(Outcome("transfer"), "CA1")


@pytest.mark.parametrize(("kind", "noun"), [("number", "Number"), ("sip", "Sip"),
                                            ("client", "Client")])
def test_dial_with_whisper(kind: str, noun: str) -> None:
    outcome = Outcome("transfer", "needs a person", TransferTarget(kind, "agent-1"),  # type: ignore[arg-type]
                      whisper_url="https://bot.example/w.wav")
    root = ET.fromstring(twiml.for_outcome(outcome, "CA1", whisper_twiml_url="https://w/CA1",
                                           dial_action_url="https://d"))
    dial = root.find("Dial")
    assert dial is not None and dial.get("action") == "https://d"
    node = dial.find(noun)
    assert node is not None and node.text == "agent-1" and node.get("url") == "https://w/CA1"


def test_dial_without_whisper_has_no_url() -> None:
    outcome = Outcome("transfer", "x", TransferTarget("number", "+441130000000"))
    node = ET.fromstring(twiml.for_outcome(outcome, "CA1", whisper_twiml_url="https://w")).find(
        "Dial/Number")
    assert node is not None and node.get("url") is None


def test_enqueue() -> None:
    task = Outcome("transfer", "bins", TransferTarget("queue", "WW123"), context={"slot": 1})
    enqueue = ET.fromstring(twiml.for_outcome(task, "CA9")).find("Enqueue")
    assert enqueue is not None and enqueue.get("workflowSid") == "WW123"
    assert json.loads(enqueue.findtext("Task", "")) == {"slot": 1, "reason": "bins",
                                                        "call_sid": "CA9"}
    named = Outcome("transfer", "bins", TransferTarget("queue", "council"))
    assert ET.fromstring(twiml.for_outcome(named, "CA9")).findtext("Enqueue") == "council"


def test_play_and_after_dial() -> None:
    assert ET.fromstring(twiml.play("https://a/w.wav")).findtext("Play") == "https://a/w.wav"
    assert ET.fromstring(twiml.play(None)).find("Play") is None
    failed = ET.fromstring(twiml.after_dial("busy", "Sorry."))
    assert failed.findtext("Say") == "Sorry." and failed.find("Hangup") is not None
    assert ET.fromstring(twiml.after_dial("completed", "Sorry.")).find("Say") is None
