"""Media Streams messages <-> the carrier-neutral events in ``telephony.events``.

Inbound audio is checked here (base64, size) so a bad frame is dropped with a reason instead of
reaching the listener; outbound PCM16 frames become mu-law ``media`` messages.
"""

from __future__ import annotations

import base64
import binascii

from telephony.codec import pcm16_to_ulaw, ulaw_to_pcm16
from telephony.events import AudioIn, DigitIn, InboundEvent, MarkPlayed, StreamStopped
from telephony.twilio import messages
from telephony.twilio.messages import InboundMessage, ProtocolViolation

RATE = 8000
MAX_FRAME_BYTES = 1600
"""200 ms of mu-law; Twilio sends 20 ms (160 bytes), so anything bigger is not a phone frame."""


def decode_payload(payload: str) -> bytes:
    """Base64 mu-law to PCM16, rejecting non-base64, empty and oversized frames."""
    if len(payload) > (MAX_FRAME_BYTES * 4) // 3 + 4:
        raise ProtocolViolation("oversized-frame", f"{len(payload)} base64 characters")
    try:
        ulaw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolViolation("bad-base64", f"payload starts {payload[:12]!r}") from None
    if not ulaw:
        raise ProtocolViolation("empty-frame")
    if len(ulaw) > MAX_FRAME_BYTES:
        raise ProtocolViolation("oversized-frame", f"{len(ulaw)} bytes")
    return ulaw_to_pcm16(ulaw)


def to_event(message: InboundMessage) -> InboundEvent | None:
    """The event a message carries; ``None`` for the handshake messages."""
    if message["event"] == "media":
        return AudioIn(decode_payload(message["media"]["payload"]), RATE)
    if message["event"] == "dtmf":
        return DigitIn(message["dtmf"]["digit"])
    if message["event"] == "mark":
        return MarkPlayed(message["mark"]["name"])
    if message["event"] == "stop":
        return StreamStopped("stop")
    return None


def encode_audio(stream_sid: str, pcm: bytes) -> str:
    """One PCM16 frame as an outbound ``media`` message."""
    payload = base64.b64encode(pcm16_to_ulaw(pcm)).decode("ascii")
    return messages.dumps(messages.media_out(stream_sid, payload))


def encode_mark(stream_sid: str, name: str) -> str:
    return messages.dumps(messages.mark_out(stream_sid, name))


def encode_clear(stream_sid: str) -> str:
    return messages.dumps(messages.clear_out(stream_sid))
