"""Media payloads <-> PCM, and messages -> events."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from telephony.codec import pcm16_to_ulaw
from telephony.events import AudioIn, DigitIn, MarkPlayed, StreamStopped
from telephony.twilio import messages, serializer
from telephony.twilio.messages import ProtocolViolation


def _tone() -> bytes:
    return (np.sin(np.arange(160) / 3) * 8000).astype("<i2").tobytes()


def test_media_becomes_8k_audio() -> None:
    payload = base64.b64encode(pcm16_to_ulaw(_tone())).decode()
    event = serializer.to_event(messages.media_in(1, "MZ", 1, 0, payload))
    assert isinstance(event, AudioIn) and event.rate == 8000 and len(event.pcm) == 320
    error = np.abs(np.frombuffer(event.pcm, "<i2").astype(int) - np.frombuffer(_tone(), "<i2"))
    assert error.max() < 8000 / 16


def test_other_events() -> None:
    assert serializer.to_event(messages.dtmf_in(1, "MZ", "#")) == DigitIn("#")
    assert serializer.to_event(messages.mark_in(1, "MZ", "say-3")) == MarkPlayed("say-3")
    assert serializer.to_event(messages.stop_in(1, "MZ", "CA", "AC")) == StreamStopped("stop")
    assert serializer.to_event(messages.connected_in()) is None


@pytest.mark.parametrize(("payload", "reason"), [
    ("%%%%", "bad-base64"),
    ("AAA", "bad-base64"),          # wrong padding
    ("", "empty-frame"),
    (base64.b64encode(bytes(1601)).decode(), "oversized-frame"),
])
def test_bad_payloads(payload: str, reason: str) -> None:
    with pytest.raises(ProtocolViolation) as raised:
        serializer.decode_payload(payload)
    assert raised.value.reason == reason


def test_a_long_but_legal_frame_is_accepted() -> None:
    assert len(serializer.decode_payload(base64.b64encode(bytes(1600)).decode())) == 3200


def test_outbound_encoding() -> None:
    media = json.loads(serializer.encode_audio("MZ9", _tone()))
    assert media["event"] == "media" and media["streamSid"] == "MZ9"
    assert base64.b64decode(media["media"]["payload"]) == pcm16_to_ulaw(_tone())
    assert json.loads(serializer.encode_mark("MZ9", "m")) == {
        "event": "mark", "streamSid": "MZ9", "mark": {"name": "m"}}
    assert json.loads(serializer.encode_clear("MZ9")) == {"event": "clear", "streamSid": "MZ9"}
