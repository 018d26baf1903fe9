"""Cross-site request forgery: every state change carries a token only our own pages know.

The token is an HMAC of the session cookie, so it is per session and needs no storage: pages
carry it in a ``<meta name="csrf-token">`` tag and in their forms, the desktop's script sends it
as ``X-CSRF-Token``. The login form, which has no session yet, is bound the same way to a
random cookie set with the form (``voicebot_login``).

On top of the token, as defence in depth: the session cookie is ``SameSite=Strict``, and a
request whose ``Origin`` (or, without one, ``Referer``) is another origin is refused. An
``Origin: null`` (sandboxed frames, cross-origin redirects) is refused too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

LOGIN_COOKIE = "voicebot_login"
HEADER = "X-CSRF-Token"
FIELD = "csrf"


class CsrfTokens:
    """Makes and checks the tokens bound to a session (or to a login form's cookie)."""

    def __init__(self, secret: str | None, origins: frozenset[str] = frozenset()) -> None:
        # The cookie the token is made from is itself a 256-bit secret only its holder knows, so
        # the token cannot be forged without it; ``session_secret`` adds a server-side key. No
        # random per-process key: a page served by one process must post to any other.
        material = (secret or "").encode()
        self._key = hashlib.sha256(b"voicebot-csrf:" + material).digest()
        self.origins = origins
        """Origins allowed besides the request's own host (``public_url``'s)."""

    def token(self, session: str) -> str:
        mac = hmac.new(self._key, session.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def login_token(self, form_cookie: str) -> str:
        return self.token("login:" + form_cookie)

    def check(self, request: Request, session: str | None, given: str | None) -> None:
        """403 unless the request is same-origin and ``given`` is this session's token."""
        if not self.same_origin(request):
            raise HTTPException(403, "Requests from other sites are not accepted.")
        if not session or not given or not hmac.compare_digest(
                self.token(session).encode(), given.encode("utf-8", "replace")):
            raise HTTPException(403, "This page has expired. Please reload it and try again.")

    def same_origin(self, request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None:
            referer = request.headers.get("referer")
            if referer is None:
                return True  # some clients send neither; the token still has to match
            origin = _origin(referer)
        if origin in self.origins:
            return True
        return origin != "null" and _netloc(origin) == request.headers.get("host")


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "null"
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "null"


def _netloc(origin: str) -> str | None:
    try:
        return urlsplit(origin).netloc or None
    except ValueError:
        return None


def new_form_cookie() -> str:
    return secrets.token_urlsafe(18)
