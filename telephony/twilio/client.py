"""Plays Twilio's part over real sockets, for tests and the ``voicebot call`` simulator.

``TwilioClient`` does what Twilio does when a number rings: a signed POST to the voice
webhook, the TwiML read back, a media websocket opened with a signed handshake, and the
``<Connect action>`` requested when the stream is over. ``MediaStream`` is that websocket, with
Twilio's framing (sequence numbers, chunks, timestamps). ``telephony.twilio.caller`` drives a
whole scripted call in real time on top of these.
"""

from __future__ import annotations

import base64
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import httpx
from websockets.asyncio.client import ClientConnection, connect

from telephony.codec import pcm16_to_ulaw
from telephony.twilio import messages
from telephony.twilio.signature import SIGNATURE_HEADER, sign


def new_sid(prefix: str) -> str:
    """A Twilio-shaped sid: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


@dataclass(frozen=True)
class StreamAnswer:
    """What the voice webhook answered: the TwiML and the stream it asks for."""

    twiml: str
    stream_url: str
    action_url: str
    parameters: dict[str, str]


def parse_connect(twiml: str) -> StreamAnswer:
    """Read ``<Connect action><Stream url><Parameter/>`` from a voice webhook's answer."""
    root = ET.fromstring(twiml)
    connect_node = root.find("Connect")
    stream = connect_node.find("Stream") if connect_node is not None else None
    if connect_node is None or stream is None or not stream.get("url"):
        raise ValueError(f"the voice webhook did not answer <Connect><Stream>: {twiml[:200]}")
    parameters = {
        p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")
    }
    return StreamAnswer(twiml, stream.get("url", ""), connect_node.get("action", ""), parameters)


@dataclass
class TwilioClient:
    """Twilio's HTTP side: signed webhooks to ``base_url`` for one call.

    URLs found in TwiML are signed as written (that is what Twilio signs) but requested at
    ``base_url``'s origin, so a service configured with a public URL can be tested on loopback.
    """

    base_url: str
    auth_token: str | None
    from_number: str = "+447700900123"
    to_number: str = "+441134960000"
    call_sid: str = field(default_factory=lambda: new_sid("CA"))
    account_sid: str = field(default_factory=lambda: new_sid("AC"))
    public_url: str | None = None
    """The URL Twilio is configured with for the voice webhook's origin, when not base_url."""

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._http = httpx.AsyncClient(timeout=30.0, trust_env=False)

    async def __aenter__(self) -> TwilioClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    def call_params(self, **extra: str) -> dict[str, str]:
        """The form fields Twilio posts for this call."""
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "CallSid": self.call_sid,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "From": self.from_number,
            "To": self.to_number,
            **extra,
        }

    async def post(self, url: str, params: dict[str, str], *, signed: bool = True
                   ) -> httpx.Response:
        """POST form ``params`` to ``url`` (as Twilio knows it), signed like Twilio."""
        headers = {}
        if signed and self.auth_token:
            headers[SIGNATURE_HEADER] = sign(self.auth_token, url, params)
        return await self._http.post(self.reachable(url), data=params, headers=headers)

    async def ring(self) -> StreamAnswer:
        """The voice webhook: returns the stream the service asks Twilio to open."""
        url = f"{(self.public_url or self.base_url).rstrip('/')}/twilio/voice"
        response = await self.post(url, self.call_params(CallStatus="ringing"))
        response.raise_for_status()
        return parse_connect(response.text)

    async def after(self, action_url: str) -> str:
        """The ``<Connect action>`` request once the stream has ended: returns its TwiML."""
        response = await self.post(action_url, self.call_params())
        response.raise_for_status()
        return response.text

    async def status(self, status: str) -> httpx.Response:
        url = f"{(self.public_url or self.base_url).rstrip('/')}/twilio/status"
        return await self.post(url, self.call_params(CallStatus=status))

    async def open_stream(self, stream_url: str, parameters: dict[str, str]) -> MediaStream:
        """Open the media websocket with a signed handshake and send connected + start."""
        headers = {SIGNATURE_HEADER: sign(self.auth_token, stream_url)} if self.auth_token else {}
        socket = await connect(self.reachable(stream_url), additional_headers=headers,
                               proxy=None, compression=None)
        stream = MediaStream(socket, new_sid("MZ"), self.call_sid, self.account_sid)
        await stream.send(messages.connected_in())
        await stream.send(messages.start_in(stream.next_sequence(), stream.stream_sid,
                                            self.call_sid, self.account_sid, parameters))
        return stream

    def reachable(self, url: str) -> str:
        """``url`` with its origin replaced by ``base_url``'s (scheme mapped for websockets)."""
        target, base = urlsplit(url), urlsplit(self.base_url)
        secure = base.scheme == "https"
        scheme = base.scheme
        if target.scheme in ("ws", "wss"):
            scheme = "wss" if secure else "ws"
        return urlunsplit((scheme, base.netloc, target.path, target.query, ""))


class MediaStream:
    """Twilio's end of one media websocket, framing messages the way Twilio does."""

    def __init__(self, socket: ClientConnection, stream_sid: str, call_sid: str,
                 account_sid: str) -> None:
        self.socket = socket
        self.stream_sid = stream_sid
        self.call_sid = call_sid
        self.account_sid = account_sid
        self._sequence = 0
        self._chunk = 0

    def next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    async def send(self, message: messages.InboundMessage) -> None:
        await self.socket.send(messages.dumps(message))

    async def send_raw(self, text: str) -> None:
        """Anything at all, for testing how the service copes with bad input."""
        await self.socket.send(text)

    async def send_audio(self, pcm: bytes) -> None:
        """One frame of caller audio (PCM16 8 kHz, normally 20 ms) as a ``media`` message."""
        self._chunk += 1
        payload = base64.b64encode(pcm16_to_ulaw(pcm)).decode("ascii")
        await self.send(messages.media_in(self.next_sequence(), self.stream_sid, self._chunk,
                                          (self._chunk - 1) * 20, payload))

    async def send_dtmf(self, digit: str) -> None:
        await self.send(messages.dtmf_in(self.next_sequence(), self.stream_sid, digit))

    async def send_mark(self, name: str) -> None:
        """Echo a mark: the audio sent before it has finished playing."""
        await self.send(messages.mark_in(self.next_sequence(), self.stream_sid, name))

    async def send_stop(self) -> None:
        await self.send(messages.stop_in(self.next_sequence(), self.stream_sid, self.call_sid,
                                         self.account_sid))

    async def close(self) -> None:
        await self.socket.close()

    async def __aenter__(self) -> MediaStream:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()
