"""Logins that tell an attacker nothing: equal timing, and a throttle a flood cannot switch off."""

from __future__ import annotations

import time
from pathlib import Path

from tests.web.conftest import desk_settings
from voicebot.commands.passwords import hash_password
from voicebot.web.auth import Accounts
from voicebot.web.throttle import LoginThrottle


def test_the_throttle_keeps_counting_under_a_flood() -> None:
    now = [0.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for n in range(40_000):  # made-up names from made-up addresses, within one window
        throttle.failed(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", f"nobody-{n}")
    for _ in range(5):
        throttle.failed("203.0.113.9", "bob")
    assert throttle.retry_after("203.0.113.9", "bob") == 900.0
    assert len(throttle) <= throttle.max_keys  # memory stays bounded: the oldest were dropped
    assert throttle.retry_after("10.0.0.0", "nobody-0") == 0.0


def test_expired_failures_are_forgotten() -> None:
    now = [0.0]
    throttle = LoginThrottle(clock=lambda: now[0], window=60)
    for n in range(100):
        throttle.failed(f"192.0.2.{n}", "alice")
    now[0] = 61
    throttle.failed("198.51.100.1", "bob")
    assert len(throttle) == 3  # only bob's client, address and username keys remain


async def test_unknown_usernames_take_as_long_as_known_ones(tmp_path: Path) -> None:
    settings = desk_settings(tmp_path, agents=[
        {"username": "alice", "password_hash": hash_password("alice-password-1", rounds=10)}])
    accounts = Accounts(settings.agents)

    async def fastest(username: str) -> float:
        """The quickest of three refusals: other load on the machine only adds time."""
        times = []
        for _ in range(3):
            started = time.perf_counter()
            assert await accounts.check(username, "wrong-password") is None
            times.append(time.perf_counter() - started)
        return min(times)

    known, unknown = await fastest("alice"), await fastest("mallory")
    assert known > 0.01  # cost 10 is tens of milliseconds
    assert 0.5 < unknown / known < 2.0, (known, unknown)
