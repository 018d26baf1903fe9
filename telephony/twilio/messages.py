"""The Media Streams wire vocabulary: one TypedDict per message, parsing and building.

Shapes follow Twilio's "Media Streams - WebSocket Messages" page. Inbound messages (Twilio to
us) are checked here, at the edge, so nothing past this module sees malformed input: anything
wrong becomes a ``ProtocolViolation`` with a short ``reason`` that callers log and count.
The builders are used by the service (outbound) and by ``client.py`` (playing Twilio's part).
"""

from __future__ import annotations

import json
from typing import Any, Literal, NotRequired, TypedDict, cast

MAX_MESSAGE_CHARS = 16_384
"""Far above a 20 ms frame (about 300 characters); anything bigger is not Twilio talking."""
DIGITS = frozenset("0123456789*#")


class ProtocolViolation(ValueError):
    """An inbound message that does not follow the protocol; ``reason`` is a stable slug."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class MediaFormat(TypedDict):
    encoding: str
    sampleRate: int
    channels: int


class StartInfo(TypedDict):
    streamSid: str
    accountSid: str
    callSid: str
    tracks: list[str]
    customParameters: dict[str, str]
    mediaFormat: MediaFormat


class MediaInfo(TypedDict):
    payload: str
    track: NotRequired[str]
    chunk: NotRequired[str]
    timestamp: NotRequired[str]


class DtmfInfo(TypedDict):
    digit: str
    track: NotRequired[str]


class MarkInfo(TypedDict):
    name: str


class StopInfo(TypedDict):
    accountSid: str
    callSid: str


class ConnectedMessage(TypedDict):
    event: Literal["connected"]
    protocol: str
    version: str


class StartMessage(TypedDict):
    event: Literal["start"]
    sequenceNumber: str
    start: StartInfo
    streamSid: str


class MediaMessage(TypedDict):
    event: Literal["media"]
    sequenceNumber: NotRequired[str]
    media: MediaInfo
    streamSid: str


class DtmfMessage(TypedDict):
    event: Literal["dtmf"]
    sequenceNumber: NotRequired[str]
    dtmf: DtmfInfo
    streamSid: str


class MarkMessage(TypedDict):
    event: Literal["mark"]
    sequenceNumber: NotRequired[str]
    mark: MarkInfo
    streamSid: str


class StopMessage(TypedDict):
    event: Literal["stop"]
    sequenceNumber: NotRequired[str]
    stop: StopInfo
    streamSid: str


class ClearMessage(TypedDict):
    event: Literal["clear"]
    streamSid: str


InboundMessage = (
    ConnectedMessage | StartMessage | MediaMessage | DtmfMessage | MarkMessage | StopMessage
)
OutboundMessage = MediaMessage | MarkMessage | ClearMessage


def _field(obj: dict[str, Any], key: str, kind: type, event: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind):
        raise ProtocolViolation(f"bad-{event}", f"{key!r} missing or not a {kind.__name__}")
    return value


def _stream_sid(message: dict[str, Any], event: str) -> str:
    return cast(str, _field(message, "streamSid", str, event))


def parse_inbound(text: str | bytes) -> InboundMessage:
    """Parse one text frame from Twilio, checking the fields this service relies on."""
    if len(text) > MAX_MESSAGE_CHARS:
        raise ProtocolViolation("oversized-message", f"{len(text)} characters")
    try:
        message = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ProtocolViolation("malformed-json", str(err)) from None
    if not isinstance(message, dict):
        raise ProtocolViolation("malformed-json", "top level is not an object")
    event = message.get("event")
    parser = _PARSERS.get(event) if isinstance(event, str) else None
    if parser is None:
        raise ProtocolViolation("unknown-event", repr(event)[:40])
    return parser(message)


def _parse_connected(message: dict[str, Any]) -> InboundMessage:
    return cast(ConnectedMessage, message)


def _parse_start(message: dict[str, Any]) -> InboundMessage:
    start = _field(message, "start", dict, "start")
    for key in ("streamSid", "callSid"):
        _field(start, key, str, "start")
    parameters = start.setdefault("customParameters", {})
    if not isinstance(parameters, dict) or not all(
        isinstance(v, str) for v in parameters.values()
    ):
        raise ProtocolViolation("bad-start", "customParameters is not a map of strings")
    media_format = start.get("mediaFormat", {})
    if not isinstance(media_format, dict):
        raise ProtocolViolation("bad-start", "mediaFormat is not an object")
    encoding = media_format.get("encoding", "audio/x-mulaw")
    rate = media_format.get("sampleRate", 8000)
    if encoding != "audio/x-mulaw" or rate != 8000 or media_format.get("channels", 1) != 1:
        raise ProtocolViolation("unsupported-format", f"{encoding} {rate} Hz")
    message.setdefault("streamSid", start["streamSid"])
    return cast(StartMessage, message)


def _parse_media(message: dict[str, Any]) -> InboundMessage:
    _stream_sid(message, "media")
    media = _field(message, "media", dict, "media")
    _field(media, "payload", str, "media")
    return cast(MediaMessage, message)


def _parse_dtmf(message: dict[str, Any]) -> InboundMessage:
    _stream_sid(message, "dtmf")
    digit = _field(_field(message, "dtmf", dict, "dtmf"), "digit", str, "dtmf")
    if digit not in DIGITS:
        raise ProtocolViolation("bad-dtmf", f"digit {digit[:8]!r}")
    return cast(DtmfMessage, message)


def _parse_mark(message: dict[str, Any]) -> InboundMessage:
    _stream_sid(message, "mark")
    _field(_field(message, "mark", dict, "mark"), "name", str, "mark")
    return cast(MarkMessage, message)


def _parse_stop(message: dict[str, Any]) -> InboundMessage:
    _stream_sid(message, "stop")
    stop = message.get("stop", {})
    if not isinstance(stop, dict):
        raise ProtocolViolation("bad-stop", "'stop' is not an object")
    return cast(StopMessage, message)


_PARSERS = {
    "connected": _parse_connected,
    "start": _parse_start,
    "media": _parse_media,
    "dtmf": _parse_dtmf,
    "mark": _parse_mark,
    "stop": _parse_stop,
}


# Outbound (service to Twilio).


def media_out(stream_sid: str, payload: str) -> MediaMessage:
    return {"event": "media", "streamSid": stream_sid, "media": {"payload": payload}}


def mark_out(stream_sid: str, name: str) -> MarkMessage:
    return {"event": "mark", "streamSid": stream_sid, "mark": {"name": name}}


def clear_out(stream_sid: str) -> ClearMessage:
    return {"event": "clear", "streamSid": stream_sid}


def parse_outbound(text: str | bytes) -> OutboundMessage:
    """Parse what the service sends (used by the client playing Twilio's part)."""
    message = json.loads(text)
    if not isinstance(message, dict) or message.get("event") not in ("media", "mark", "clear"):
        raise ProtocolViolation("unknown-event", repr(message)[:60])
    if not isinstance(message.get("streamSid"), str):
        raise ProtocolViolation("bad-outbound", "streamSid missing")
    return cast(OutboundMessage, message)


# Inbound builders (what Twilio sends), for the client and the tests.


def connected_in() -> ConnectedMessage:
    return {"event": "connected", "protocol": "Call", "version": "1.0.0"}


def start_in(
    sequence: int,
    stream_sid: str,
    call_sid: str,
    account_sid: str,
    parameters: dict[str, str],
) -> StartMessage:
    return {
        "event": "start",
        "sequenceNumber": str(sequence),
        "start": {
            "accountSid": account_sid,
            "streamSid": stream_sid,
            "callSid": call_sid,
            "tracks": ["inbound"],
            "customParameters": parameters,
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        },
        "streamSid": stream_sid,
    }


def media_in(sequence: int, stream_sid: str, chunk: int, timestamp_ms: int, payload: str
             ) -> MediaMessage:
    return {
        "event": "media",
        "sequenceNumber": str(sequence),
        "media": {
            "track": "inbound",
            "chunk": str(chunk),
            "timestamp": str(timestamp_ms),
            "payload": payload,
        },
        "streamSid": stream_sid,
    }


def dtmf_in(sequence: int, stream_sid: str, digit: str) -> DtmfMessage:
    return {
        "event": "dtmf",
        "streamSid": stream_sid,
        "sequenceNumber": str(sequence),
        "dtmf": {"track": "inbound_track", "digit": digit},
    }


def mark_in(sequence: int, stream_sid: str, name: str) -> MarkMessage:
    return {
        "event": "mark",
        "sequenceNumber": str(sequence),
        "streamSid": stream_sid,
        "mark": {"name": name},
    }


def stop_in(sequence: int, stream_sid: str, call_sid: str, account_sid: str) -> StopMessage:
    return {
        "event": "stop",
        "sequenceNumber": str(sequence),
        "streamSid": stream_sid,
        "stop": {"accountSid": account_sid, "callSid": call_sid},
    }


def dumps(message: InboundMessage | OutboundMessage) -> str:
    return json.dumps(message, separators=(",", ":"))
