"""Login throttling: failed attempts counted per client, per address and per username.

Three counters, each over a sliding ``window``:

* **client** (address and username together, default 5): one person guessing one account;
  mistyping a few times costs a wait of minutes, guessing costs hours.
* **address** (default 20): one machine trying many usernames (password spraying).
* **username** (default 20): many machines guessing one account. This one can be used to lock
  an agent out from elsewhere, so its limit is high enough that an agent's own mistakes never
  reach it.

The address is the real client's (``voicebot.web.clients``): behind a trusted proxy, agents
are not all one address. The counters live in a bounded map that evicts the least recently
failed key when full, so a flood of made-up names or addresses costs memory up to the bound
and never stops the counting of new failures (it only forgets the oldest).

The counters are per process. Behind a proxy spreading logins over N processes a client can
make up to N times the limits; the proxy's own rate limit on ``/desktop/login`` is the bound
across processes (docs/security.md).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Literal

Kind = Literal["client", "address", "username"]
_KEY_CHARS = 200
"""Usernames and addresses are cut to this length in keys, so each key's memory is bounded."""


class LoginThrottle:
    """Says how long a login must wait, from the failures recorded for its address and name."""

    def __init__(self, *, per_client: int = 5, per_address: int = 20, per_username: int = 20,
                 window: float = 900.0, max_keys: int = 30_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits: dict[Kind, int] = {"client": per_client, "address": per_address,
                                        "username": per_username}
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._failures: OrderedDict[tuple[Kind, str], list[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._failures)

    def retry_after(self, address: str, username: str) -> float:
        """Seconds until this address may try this username again; 0 when it may try now."""
        now = self._clock()
        waits = [0.0]
        for key in _keys(address, username):
            failures = self._recent(key, now)
            if len(failures) >= self.limits[key[0]]:
                waits.append(failures[-self.limits[key[0]]] + self.window - now)
        return max(waits)

    def failed(self, address: str, username: str) -> None:
        now = self._clock()
        for key in _keys(address, username):
            failures = self._recent(key, now)
            failures.append(now)
            self._failures[key] = failures[-self.limits[key[0]]:]
            self._failures.move_to_end(key)
        self._forget(now)

    def succeeded(self, address: str, username: str) -> None:
        """The person got it right: their own mistakes are forgotten (not the others')."""
        self._failures.pop(_keys(address, username)[0], None)

    def _recent(self, key: tuple[Kind, str], now: float) -> list[float]:
        return [t for t in self._failures.get(key, ()) if t > now - self.window]

    def _forget(self, now: float) -> None:
        """Drop keys whose failures have all expired, then the oldest beyond ``max_keys``."""
        while self._failures:
            key, failures = next(iter(self._failures.items()))
            if failures[-1] > now - self.window and len(self._failures) <= self.max_keys:
                break
            del self._failures[key]


def _client(address: str, username: str) -> str:
    return f"{address[:_KEY_CHARS]}|{username[:_KEY_CHARS]}"


def _keys(address: str, username: str) -> list[tuple[Kind, str]]:
    name = username.strip().lower()
    return [("client", _client(address, name)), ("address", address[:_KEY_CHARS]),
            ("username", name[:_KEY_CHARS])]
