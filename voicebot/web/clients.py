"""Who is really asking: the client's address behind a trusted reverse proxy, and no one else's.

uvicorn's own proxy-header handling is switched off (``voicebot serve`` runs it with
``proxy_headers=False``); this middleware is the only code that believes forwarding headers.

* A request whose direct peer is **not** in ``web.trusted_proxies`` keeps its socket address;
  any ``X-Forwarded-For`` it carries is ignored (anyone can write one).
* A request from a trusted proxy gets the right-most address in ``X-Forwarded-For`` that is not
  itself a trusted proxy, so a client cannot pretend to be someone else by sending its own
  header (the proxy appends the real address after it). Its scheme comes from
  ``X-Forwarded-Proto``. A trusted proxy that sends no ``X-Forwarded-For`` leaves the client
  unknown (``scope["client"]`` is None): such a request is never treated as local, and all of
  them share one throttle key, so configure the proxy to send it.

The scope is updated in place (as uvicorn's middleware does), so layers outside this one see the
resolved scheme once the response starts.
"""

from __future__ import annotations

import ipaddress
import logging

from starlette.types import ASGIApp, Receive, Scope, Send

_LOGGER = logging.getLogger(__name__)

FORWARDING_HEADERS = frozenset({b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto",
                                b"x-real-ip", b"forwarded", b"via"})
"""Headers that say a request came through a proxy."""

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str | None) -> Address | None:
    if not text:
        return None
    try:
        return ipaddress.ip_address(text.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


class TrustedProxies:
    """The configured proxy networks, and the client address a request through them names."""

    def __init__(self, entries: list[str]) -> None:
        self.networks = tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, host: str | None) -> bool:
        address = parse_address(host)
        return address is not None and any(address in net for net in self.networks)

    def client(self, forwarded_for: str) -> str | None:
        """The right-most hop in ``X-Forwarded-For`` that is not one of ours."""
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                address = parse_address(hop)
                return str(address) if address is not None else None
        first = parse_address(hops[0]) if hops else None  # every hop is ours: the first began it
        return str(first) if first is not None else None


class ClientAddress:
    """Rewrites ``scope["client"]`` and ``scope["scheme"]`` for requests from trusted proxies."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies
        self._warned = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.proxies:
            peer = scope.get("client")
            if self.proxies.trusts(peer[0] if peer else None):
                self._resolve(scope)
        await self.app(scope, receive, send)

    def _resolve(self, scope: Scope) -> None:
        headers: dict[bytes, str] = {}
        for name, value in scope["headers"]:  # repeated headers join with commas (RFC 9110)
            key = name.lower()
            text = value.decode("latin-1")
            headers[key] = f"{headers[key]},{text}" if key in headers else text
        forwarded_for = headers.get(b"x-forwarded-for")
        client = self.proxies.client(forwarded_for) if forwarded_for else None
        if client is None and not self._warned:
            self._warned = True
            _LOGGER.warning("a trusted proxy sent a request without a usable X-Forwarded-For: "
                            "its clients cannot be told apart (see docs/security.md)")
        scope["client"] = (client, 0) if client else None
        proto = headers.get(b"x-forwarded-proto", "").split(",")[0].strip().lower()
        if proto in ("http", "https"):
            secure = proto == "https"
            if scope["type"] == "websocket":
                scope["scheme"] = "wss" if secure else "ws"
            else:
                scope["scheme"] = proto
