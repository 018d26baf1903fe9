"""``X-Twilio-Signature`` checks against the exact URL Twilio used.

Behind a proxy the service sees ``http://10.0.0.5:8080/...`` while Twilio signed
``https://voicebot.example.gov.uk/...``, so the URL is rebuilt from the configured public URL,
else from ``X-Forwarded-Proto``/``X-Forwarded-Host``, else from the request itself.
Websocket handshakes are signed over the ``wss://`` URL with no parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import URL, Headers
from twilio.request_validator import (
    RequestValidator,
    get_signature_algorithm,
)

SIGNATURE_HEADER = "X-Twilio-Signature"
SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"


def _first(value: str | None) -> str | None:
    if not value:
        return None
    return value.split(",")[0].strip() or None


def public_base(url: URL, headers: Headers, public_url: str | None) -> str:
    """``https://host[:port][/prefix]``: where Twilio reaches this service."""
    if public_url:
        return public_url.rstrip("/")
    scheme = _first(headers.get("x-forwarded-proto")) or url.scheme
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    host = _first(headers.get("x-forwarded-host")) or headers.get("host") or url.netloc
    return f"{scheme}://{host}"


def websocket_base(http_base: str) -> str:
    """The websocket origin for an HTTP one (``https`` -> ``wss``, ``http`` -> ``ws``)."""
    if http_base.startswith("https://"):
        return "wss://" + http_base.removeprefix("https://")
    return "ws://" + http_base.removeprefix("http://")


def signed_url(url: URL, headers: Headers, public_url: str | None, *, websocket: bool) -> str:
    """The full URL Twilio computed the signature over."""
    base = public_base(url, headers, public_url)
    if websocket:
        base = websocket_base(base)
    query = f"?{url.query}" if url.query else ""
    return f"{base}{url.path}{query}"


def is_valid(
    validator: RequestValidator,
    url: str,
    params: Mapping[str, Any],
    headers: Headers,
) -> bool:
    """True when the request carries a signature that matches ``url`` and ``params``."""
    signature = headers.get(SIGNATURE_HEADER)
    if not signature:
        return False
    algorithm = get_signature_algorithm(headers.get(SETTINGS_HEADER))
    return bool(validator.validate(url, params, signature, algorithm))


def sign(token: str, url: str, params: Mapping[str, str] | None = None) -> str:
    """The signature Twilio would send (used by the client that plays Twilio's part)."""
    return str(RequestValidator(token).compute_signature(url, dict(params or {})))
