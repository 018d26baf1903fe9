"""Size limits on requests, enforced in pure ASGI before any header or body is parsed.

Two middlewares, both outside everything that reads a request:

* ``HeaderLimits`` looks at the raw header bytes. It refuses too many headers, an oversized
  header or header block (431), and a ``Cookie`` header that is too long, has too many pairs, or
  holds bytes no browser sends: non-ASCII, control characters, or a backslash (400). The
  backslash rule closes CVE-2024-7592 (the standard library's cookie unquoting is quadratic in
  backslashes, and Starlette uses it), so a few KiB can no longer stall the event loop and every
  live call with it; the size rules bound everything else.
* ``BodyLimit`` counts request body bytes as they stream in. A declared ``Content-Length`` over
  the limit is refused at once with 413 and nothing is read; a chunked body is cut off with 413
  as soon as it passes the limit. The limit depends on the route class (``BODY_LIMITS``).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_COOKIE_BYTES = frozenset(range(0x20, 0x7F)) - {ord("\\")}
"""What a cookie header may hold: printable ASCII, no backslash (RFC 6265 cookie-octets,
separators and quotes)."""


@dataclass(frozen=True)
class HeaderRules:
    """How much header a request may carry; generous for browsers, tiny next to memory."""

    max_count: int = 100
    max_field: int = 8 * 1024
    """One header's name and value together."""
    max_total: int = 32 * 1024
    max_cookie: int = 8 * 1024
    """All ``Cookie`` headers together (a browser keeps each cookie under 4 KiB)."""
    max_cookie_pairs: int = 50

    def problem(self, headers: list[tuple[bytes, bytes]]) -> tuple[int, str] | None:
        """``(status, message)`` for a request to refuse, or None when the headers are fine."""
        if len(headers) > self.max_count:
            return 431, "Too many request headers."
        total = cookie = pairs = 0
        for name, value in headers:
            size = len(name) + len(value)
            if size > self.max_field:
                return 431, "A request header is too large."
            total += size
            if name.lower() == b"cookie":
                cookie += len(value)
                pairs += value.count(b";") + 1
                if not _COOKIE_BYTES.issuperset(value):
                    return 400, "The Cookie header holds characters cookies cannot contain."
        if total > self.max_total:
            return 431, "The request headers are too large."
        if cookie > self.max_cookie or pairs > self.max_cookie_pairs:
            return 431, "The Cookie header is too large."
        return None


class HeaderLimits:
    """Refuses requests whose headers break ``HeaderRules``, before anything parses them."""

    def __init__(self, app: ASGIApp, rules: HeaderRules | None = None) -> None:
        self.app = app
        self.rules = rules or HeaderRules()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        problem = self.rules.problem(scope["headers"])
        if problem is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": problem[1]})
        else:
            await plain_response(send, *problem)


BODY_LIMITS: tuple[tuple[str, int], ...] = (
    ("/twilio/", 64 * 1024),   # Twilio's form posts are a few KiB
    ("/desktop/", 16 * 1024),  # a login form, a claim, a note of at most 2,000 characters
    ("/", 64 * 1024),          # anything else (the API reads no bodies today)
)
"""Largest request body per route class (first matching path prefix wins)."""


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a streamed body passes its limit; rendered as a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


class BodyLimit:
    """Enforces ``BODY_LIMITS`` while the body streams in (413), never after reading it all."""

    def __init__(self, app: ASGIApp,
                 limits: tuple[tuple[str, int], ...] = BODY_LIMITS) -> None:
        self.app = app
        self.limits = limits

    def limit_for(self, path: str) -> int:
        return next((size for prefix, size in self.limits if path.startswith(prefix)),
                    self.limits[-1][1])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope["headers"])
        if declared is not None and declared > limit:
            await plain_response(send, 413, BodyTooLarge(limit).detail)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as err:  # an app that let it through; the route did not answer
            if started:
                raise
            await plain_response(send, 413, err.detail)


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def plain_response(send: Send, status: int, message: str) -> None:
    """A short text answer for a refused request (no stack trace, nothing echoed back)."""
    body = (message + "\n").encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]})
    await send({"type": "http.response.body", "body": body})
