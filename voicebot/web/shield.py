"""The web front door: every request passes the same layers, in this order, before any route.

1. ``SecurityHeaders``: every response (pages, JSON, refusals) gets the browser-side defences.
2. ``HeaderLimits``: oversized or malformed headers are refused before anything parses them.
3. ``ClientAddress``: the real client address behind a trusted proxy.
4. ``BodyLimit``: bodies are counted while they stream in, per route class.

``protect`` adds them to an app; the composition root and the tests both call it, so tests
exercise the layers the service runs.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voicebot.config import Settings
from voicebot.web.clients import ClientAddress, TrustedProxies
from voicebot.web.limits import BodyLimit, HeaderLimits, HeaderRules

_LOGGER = logging.getLogger(__name__)

POLICY = ("default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
          "object-src 'none'")
"""Scripts, styles, images and connections from this origin only; no framing, no plugins."""
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
               "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: "
               "https://fastapi.tiangolo.com; frame-ancestors 'none'; object-src 'none'")
"""Only for ``/docs`` when ``web.api_docs`` is on: Swagger UI loads from its CDN."""
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), geolocation=(), payment=(), microphone=(self)",
}
HSTS = "max-age=31536000"
# Referrer-Policy is same-origin, not no-referrer: under no-referrer a browser sends
# "Origin: null" on its own same-origin form posts, and the CSRF check refuses null.


class SecurityHeaders:
    """Adds ``HEADERS`` and a CSP to every HTTP response, HSTS when the request was https."""

    def __init__(self, app: ASGIApp, *, always_https: bool = False,
                 docs_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.always_https = always_https
        self.docs_paths = docs_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                policy = DOCS_POLICY if scope["path"] in self.docs_paths else POLICY
                headers.setdefault("Content-Security-Policy", policy)
                if self.always_https or scope.get("scheme") == "https":
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, with_headers)


async def _internal_error(request: Request, err: Exception) -> PlainTextResponse:
    """The answer to an unexpected error: no stack trace, the same headers as any response."""
    return PlainTextResponse("Internal Server Error", 500,
                             headers={**HEADERS, "Content-Security-Policy": POLICY})


def protect(app: FastAPI, settings: Settings, rules: HeaderRules | None = None) -> None:
    """Put the front-door layers on ``app`` (the last added runs first)."""
    docs = frozenset(path for path in (app.docs_url, app.redoc_url) if path)
    app.add_middleware(BodyLimit)
    app.add_middleware(ClientAddress, proxies=TrustedProxies(settings.web.trusted_proxies))
    app.add_middleware(HeaderLimits, rules=rules)
    app.add_middleware(SecurityHeaders, docs_paths=docs,
                       always_https=(settings.public_url or "").startswith("https://"))
    app.add_exception_handler(Exception, _internal_error)
