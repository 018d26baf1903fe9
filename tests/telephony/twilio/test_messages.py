"""Every documented Media Streams message parses; malformed ones fail with a stable reason."""

from __future__ import annotations

import json

import pytest

from telephony.twilio import messages
from telephony.twilio.messages import ProtocolViolation, parse_inbound

# The examples from Twilio's "Media Streams - WebSocket Messages" page, field for field.
DOCUMENTED = {
    "connected": {"event": "connected", "protocol": "Call", "version": "1.0.0"},
    "start": {
        "event": "start",
        "sequenceNumber": "1",
        "start": {
            "accountSid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "callSid": "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {"FirstName": "Jane", "LastName": "Doe"},
        },
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    },
    "media": {
        "event": "media",
        "sequenceNumber": "3",
        "media": {"track": "outbound", "chunk": "1", "timestamp": "5",
                  "payload": "no+JhoaJjpzSHxAKBgYJDhtEopGKh4aIjZm7JhILBwYIDRg1qZSLh4aIjJevLBUMBwYHDBUsr5eMiIaHi5SpNRgNCAYHCxImu5mNiIaHipGiRBsOCQYGChAf0pyOiYaGiZKfRBcNBwYGCQ4bRKKRioeGiI2ZuyYSCwcGCA0YNamUi4eGiIyXrywVDAcGBwwVLK+XjIiGh4uUqTUYDQgGBwsSJruZjYiGh4qRokQbDgkGBgoQH9KcjomGhomSn0QXDQcGBgkOG0SikYqHhoiNmbsmEgsHBggNGDWplIuHhoiMl68sFQwHBgcMFSyvl4yIhoeLlKk1GA0IBgcLEia7mY2IhoeKkaJEGw4JBgYKEB/SnI6JhoaJkp9EFw0HBgYJDhtEopGKh4aIjZm7JhILBwYIDRg1qZSLh4aIjJevLBUMBwYHDBUsr5eMiIaHi5SpNRgNCAYHCxImu5mNiIaHipGiRBsOCQYGChAf0pyOiYaGiZKfRBcNBwYGCQ4bRKKRioeGiI2ZuyYSCwcGCA0YNamUi4eGiIyXrywVDAcGBwwVLK+XjIiGh4uUqTUYDQgGBwsSJruZjYiGh4qRokQbDgkGBgoQH9KcjomGhomSn0QXDQcGBgkOG0SikYqHhoiNmbsmEgsHBggNGDWplIuHhoiMl68sFQwHBgcMFSyvl4yIhoeLlKk1GA0IBgcLEia7mY2IhoeKkaJEGw4JBgYKEB/SnI6JhoaJkp9EFw0HBgYJDhtEopGKh4aIjZm7JhILBwYIDRg1qZSLh4aIjJevLBUMBwYHDBUsr5eMiIaHi5SpNRgNCAYHCxImu5mNiIaHipGiRBsOCQYGChAf0pyOiYaGiZKfRA=="},  # noqa: E501
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    },
    "stop": {
        "event": "stop",
        "sequenceNumber": "5",
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "stop": {"accountSid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
                 "callSid": "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"},
    },
    "dtmf": {
        "event": "dtmf",
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "sequenceNumber": "5",
        "dtmf": {"track": "inbound_track", "digit": "1"},
    },
    "mark": {
        "event": "mark",
        "sequenceNumber": "4",
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "mark": {"name": "my label"},
    },
}


@pytest.mark.parametrize("event", sorted(DOCUMENTED))
def test_documented_messages_parse(event: str) -> None:
    parsed = parse_inbound(json.dumps(DOCUMENTED[event]))
    assert parsed == DOCUMENTED[event]


def test_builders_produce_the_documented_shapes() -> None:
    sid, call, account = "MZ1", "CA1", "AC1"
    built: dict[str, messages.InboundMessage] = {
        "connected": messages.connected_in(),
        "start": messages.start_in(1, sid, call, account, {"from": "+44"}),
        "media": messages.media_in(3, sid, 1, 0, "//8="),
        "dtmf": messages.dtmf_in(5, sid, "1"),
        "mark": messages.mark_in(4, sid, "x"),
        "stop": messages.stop_in(5, sid, call, account),
    }
    for event, message in built.items():
        assert parse_inbound(messages.dumps(message)) == message
        assert set(message) == set(DOCUMENTED[event]), event  # type: ignore[call-overload]
    for outbound in (messages.media_out(sid, "//8="), messages.mark_out(sid, "m"),
                     messages.clear_out(sid)):
        assert messages.parse_outbound(messages.dumps(outbound)) == outbound
    assert messages.dumps(messages.clear_out(sid)) == '{"event":"clear","streamSid":"MZ1"}'
    assert messages.media_out(sid, "AA")["media"] == {"payload": "AA"}
    assert messages.mark_out(sid, "say-1")["mark"] == {"name": "say-1"}


def _with(event: str, path: tuple[str, ...], value: object) -> str:
    message = json.loads(json.dumps(DOCUMENTED[event]))
    target = message
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(message)


MALFORMED = [
    ("{", "malformed-json"),
    ("", "malformed-json"),
    ('"media"', "malformed-json"),
    (b"\xff\xfe", "malformed-json"),
    ('{"event": 3}', "unknown-event"),
    ('{"event": "clear", "streamSid": "MZ1"}', "unknown-event"),
    ("{}", "unknown-event"),
    ('{"event":"media"}' + " " * 20_000, "oversized-message"),
    (_with("media", ("media", "payload"), KeyError), "bad-media"),
    (_with("media", ("media", "payload"), 42), "bad-media"),
    (_with("media", ("media",), "abc"), "bad-media"),
    (_with("media", ("streamSid",), KeyError), "bad-media"),
    (_with("start", ("start", "callSid"), KeyError), "bad-start"),
    (_with("start", ("start",), None), "bad-start"),
    (_with("start", ("start", "customParameters"), {"a": 1}), "bad-start"),
    (_with("start", ("start", "mediaFormat", "encoding"), "audio/l16"), "unsupported-format"),
    (_with("start", ("start", "mediaFormat", "sampleRate"), 16000), "unsupported-format"),
    (_with("dtmf", ("dtmf", "digit"), "12"), "bad-dtmf"),
    (_with("dtmf", ("dtmf", "digit"), "A"), "bad-dtmf"),
    (_with("dtmf", ("dtmf",), KeyError), "bad-dtmf"),
    (_with("mark", ("mark", "name"), None), "bad-mark"),
    (_with("stop", ("stop",), "now"), "bad-stop"),
    (_with("stop", ("streamSid",), 7), "bad-stop"),
]


@pytest.mark.parametrize(("text", "reason"), MALFORMED)
def test_malformed_messages_fail_with_a_reason(text: str | bytes, reason: str) -> None:
    with pytest.raises(ProtocolViolation) as raised:
        parse_inbound(text)
    assert raised.value.reason == reason
