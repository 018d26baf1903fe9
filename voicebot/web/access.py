"""Who may read call records: the API token, and the narrow "this machine" rule without one.

Without ``api_token`` the API answers only a request that is plainly local: its socket peer is
loopback, it carries no forwarding header (a proxy almost always adds one), and its ``Host`` is a
loopback name. A proxy on the same machine can still make a request look local, which is why
the service refuses to start without a token whenever it can be reached from elsewhere:
listening on a non-loopback address, a ``public_url`` set, or trusted proxies configured.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

from voicebot.config import Settings
from voicebot.errors import ConfigError
from voicebot.web.clients import FORWARDING_HEADERS, parse_address

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str | None) -> bool:
    """True for ``127.0.0.1``, ``::1``, ``[::1]``, ``localhost``; False for anything else."""
    if host is None:
        return False
    address = parse_address(host)
    return address.is_loopback if address is not None else host.lower() in _LOOPBACK_NAMES


def exposure(settings: Settings) -> str | None:
    """Why the service can be reached from elsewhere, or None when it is local-only."""
    if not is_loopback(settings.host):
        return f"it listens on {settings.host}, not loopback"
    if settings.public_url:
        return f"public_url is {settings.public_url}"
    if settings.web.trusted_proxies:
        return "web.trusted_proxies is set (requests arrive through a proxy)"
    return None


def serves_browser_phone(settings: Settings) -> bool:
    """``web.browser_phone`` when set; otherwise on only while the service is local-only."""
    if settings.web.browser_phone is not None:
        return settings.web.browser_phone
    return exposure(settings) is None


def origin_of(url: str | None) -> str | None:
    """``https://bot.example.gov.uk`` for ``https://bot.example.gov.uk/any/path``."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def require_api_token(settings: Settings) -> None:
    """Refuse to start reachable from elsewhere with the call records unprotected."""
    reason = exposure(settings)
    if reason and not settings.api_token:
        raise ConfigError(
            "api-token-required",
            f"api_token must be set because the service is reachable from elsewhere ({reason}); "
            "make one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`")


def is_local_request(request: Request) -> bool:
    """A request from this machine that did not come through a proxy."""
    peer = request.client.host if request.client else None
    if not is_loopback(peer):
        return False
    if any(name.lower() in FORWARDING_HEADERS for name, _ in request.scope["headers"]):
        return False
    try:
        host = urlsplit(f"//{request.headers.get('host', '')}").hostname
    except ValueError:  # a malformed Host, such as an unclosed "["
        return False
    return is_loopback(host)


class ApiAccess:
    """The ``/api`` rule, also used for the details of ``/healthz``."""

    def __init__(self, settings: Settings) -> None:
        self._token = settings.api_token.encode() if settings.api_token else None

    def allows(self, request: Request) -> bool:
        if self._token is None:
            return is_local_request(request)
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode("utf-8", "replace"), self._token)

    def require(self, request: Request) -> None:
        """A FastAPI dependency: 401 unless ``allows``."""
        if self.allows(request):
            return
        detail = ("a valid bearer token is required" if self._token is not None else
                  "the API answers only this machine until api_token is configured")
        raise HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})
