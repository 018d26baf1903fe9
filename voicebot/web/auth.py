"""Who is using the agent desktop: password checks and login throttling.

Accounts come from ``settings.agents`` with bcrypt hashes (``voicebot agents add`` makes them).
Sessions are kept server-side in the database (``voicebot.web.sessions``), so every process
knows them and logout ends them; the cookie is named here.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

import bcrypt

from voicebot.config import AgentAccount
from voicebot.errors import ConfigError

COOKIE = "voicebot_desktop"
SESSION_SECONDS = 12 * 3600
"""A working day and a bit; agents log in again the next morning."""

_DUMMY_HASH = bcrypt.hashpw(b"not a real password", bcrypt.gensalt(rounds=4))


@dataclass(frozen=True)
class Agent:
    """A logged-in desktop user."""

    username: str
    role: str
    name: str

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    @property
    def display_name(self) -> str:
        return self.name or self.username


class Accounts:
    """The configured accounts, checked once at start-up."""

    def __init__(self, accounts: list[AgentAccount]) -> None:
        self._by_name: dict[str, AgentAccount] = {}
        for account in accounts:
            key = account.username.strip().lower()
            if not key:
                raise ConfigError("bad-agent-account", "an agent account has no username")
            if key in self._by_name:
                raise ConfigError("bad-agent-account",
                                  f"agent {account.username!r} is listed twice")
            if not account.password_hash.startswith(("$2a$", "$2b$", "$2y$")):
                raise ConfigError(
                    "bad-agent-account",
                    f"agent {account.username!r}: password_hash is not a bcrypt hash "
                    "(make one with `voicebot agents add`)")
            self._by_name[key] = account

    def __len__(self) -> int:
        return len(self._by_name)

    def find(self, username: str) -> Agent | None:
        account = self._by_name.get(username.strip().lower())
        if account is None:
            return None
        return Agent(account.username, account.role, account.name)

    async def check(self, username: str, password: str) -> Agent | None:
        """The agent if the password is right; bcrypt runs in a thread (it is slow on purpose)."""
        account = self._by_name.get(username.strip().lower())
        stored = account.password_hash.encode() if account else _DUMMY_HASH
        matched = await asyncio.to_thread(_matches, password, stored)
        if account is None or not matched:
            return None
        return Agent(account.username, account.role, account.name)


def _matches(password: str, stored: bytes) -> bool:
    try:
        return bool(bcrypt.checkpw(password.encode("utf-8"), stored))
    except ValueError:  # longer than bcrypt's 72 bytes, or a malformed hash
        return False


class LoginThrottle:
    """Refuses logins after ``limit`` failures in ``window`` seconds, per username and per address.

    Guessing passwords then takes hours, while a person who mistypes a few times waits minutes.
    """

    def __init__(self, limit: int = 5, window: float = 900.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)

    def retry_after(self, *keys: str) -> float:
        """Seconds until these keys may try again; 0 when they may try now."""
        now = self._clock()
        waits = [0.0]
        for key in keys:
            failures = self._recent(key, now)
            if len(failures) >= self.limit:
                waits.append(failures[0] + self.window - now)
        return max(waits)

    def failed(self, *keys: str) -> None:
        now = self._clock()
        for key in keys:
            self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures and len(self._failures) > 10_000:
            self._failures.pop(key)  # keep memory bounded under a flood of made-up names
            return deque()
        return failures
