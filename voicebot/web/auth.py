"""Who is using the agent desktop: password checks and login throttling.

Accounts come from ``settings.agents`` with bcrypt hashes (``voicebot agents add`` makes them).
Sessions are kept server-side in the database (``voicebot.web.sessions``), so every process
knows them and logout ends them; the cookie is named here.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import bcrypt

from voicebot.config import AgentAccount
from voicebot.errors import ConfigError

COOKIE = "voicebot_desktop"
SESSION_SECONDS = 12 * 3600
"""A working day and a bit; agents log in again the next morning."""



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
        self._dummy_hash = _dummy_hash(accounts)

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
        stored = account.password_hash.encode() if account else self._dummy_hash
        matched = await asyncio.to_thread(_matches, password, stored)
        if account is None or not matched:
            return None
        return Agent(account.username, account.role, account.name)


def _dummy_hash(accounts: Iterable[AgentAccount]) -> bytes:
    """A hash as costly as the real ones, made once: an unknown username is refused only after
    the same bcrypt work as a known one, so the answer's timing does not tell them apart."""
    costs = [_cost(account.password_hash) for account in accounts]
    return bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds=max(costs, default=4)))


def _cost(password_hash: str) -> int:
    """The work factor in ``$2b$12$...``."""
    try:
        return min(31, max(4, int(password_hash.split("$")[2])))
    except (IndexError, ValueError):
        raise ConfigError("bad-agent-account", "a password_hash has no bcrypt cost; make it "
                          "with `voicebot agents add`") from None


def _matches(password: str, stored: bytes) -> bool:
    try:
        return bool(bcrypt.checkpw(password.encode("utf-8"), stored))
    except ValueError:  # longer than bcrypt's 72 bytes, or a malformed hash
        return False


