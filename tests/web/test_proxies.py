"""Behind a reverse proxy: the real client's address, and no "local" request made by a proxy.

Real nginx on loopback in front of the real server. Clients connect from different loopback
addresses (127.0.0.2, 127.0.0.3), which nginx sees as different machines.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import serving
from tests.web.conftest import PASSWORDS, build_service, desk_settings, log_in, transfer_call
from tests.web.nginx import NGINX, nginx
from voicebot.errors import ConfigError
from voicebot.web.access import require_api_token
from voicebot.web.throttle import LoginThrottle

needs_nginx = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx not installed")


def machine(address: str, base: str) -> httpx.AsyncClient:
    """A client whose connections come from ``address``, like a separate machine."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(transport=transport, base_url=base, trust_env=False)


async def guess(http: httpx.AsyncClient, username: str, password: str,
                forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return (await log_in(http, username, password, headers)).status_code


@needs_nginx
async def test_guesses_behind_a_proxy_lock_out_the_guesser_only(tmp_path: Path) -> None:
    settings = desk_settings(tmp_path, web={"trusted_proxies": ["127.0.0.1"]})
    service = build_service(settings, throttle=LoginThrottle(per_client=5))
    try:
        async with serving(service.app) as upstream, \
                nginx(upstream, tmp_path / "nginx") as base, \
                machine("127.0.0.2", base) as guesser, machine("127.0.0.3", base) as colleague:
            # The guesser names someone else in its own X-Forwarded-For each time; nginx
            # appends the address it really came from, and that is the one counted.
            tries = [await guess(guesser, "alice", f"guess-{n}", f"203.0.113.{n}")
                     for n in range(5)]
            locked = await guess(guesser, "alice", PASSWORDS["alice"], "203.0.113.99")
            colleague_alice = await guess(colleague, "alice", PASSWORDS["alice"])
            colleague_bob = await guess(colleague, "bob", PASSWORDS["bob"])
    finally:
        service.records.close()
    assert tries == [401] * 5
    assert locked == 429
    assert colleague_alice == 303 and colleague_bob == 303


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(tmp_path: Path) -> None:
    service = build_service(desk_settings(tmp_path), throttle=LoginThrottle(per_client=3))
    try:
        async with serving(service.app) as base, machine("127.0.0.2", base) as http:
            for n in range(3):
                await guess(http, "bob", "guess-guess", f"198.51.100.{n}")
            fresh_name = await guess(http, "bob", PASSWORDS["bob"], "198.51.100.200")
    finally:
        service.records.close()
    assert fresh_name == 429  # a made-up X-Forwarded-For does not make a new client


@needs_nginx
async def test_a_proxy_on_this_machine_does_not_make_the_api_local(tmp_path: Path) -> None:
    service = build_service(desk_settings(tmp_path, api_token=None))
    transfer_call(service.events, "CA1")
    try:
        async with serving(service.app) as upstream:
            async with httpx.AsyncClient(base_url=upstream, trust_env=False) as direct:
                local = await direct.get("/api/calls/CA1")
                passed_through = await direct.get("/api/calls/CA1",
                                                  headers={"X-Forwarded-For": "127.0.0.1"})
                forwarded = await direct.get("/api/calls/CA1",
                                             headers={"Forwarded": "for=127.0.0.1"})
                named = await direct.get("/api/calls/CA1",
                                         headers={"Host": "voicebot.example.gov.uk"})
            async with nginx(upstream, tmp_path / "nginx") as base, \
                    httpx.AsyncClient(base_url=base, trust_env=False) as outside:
                proxied = await outside.get("/api/calls/CA1")
            only_host = "proxy_set_header Host voicebot.example.gov.uk;"  # no X-Forwarded-For
            async with nginx(upstream, tmp_path / "nginx2", only_host) as base, \
                    httpx.AsyncClient(base_url=base, trust_env=False) as outside:
                proxied_quietly = await outside.get("/api/calls/CA1")
    finally:
        service.records.close()
    assert local.status_code == 200
    for refused in (passed_through, forwarded, named, proxied, proxied_quietly):
        assert refused.status_code == 401
        assert "only this machine" in refused.json()["detail"]


@pytest.mark.parametrize(("setting", "value", "reason"), [
    ("host", "0.0.0.0", "it listens on 0.0.0.0"),
    ("host", "192.0.2.5", "it listens on 192.0.2.5"),
    ("public_url", "https://voicebot.example.gov.uk", "public_url is"),
    ("web", {"trusted_proxies": ["127.0.0.1"]}, "web.trusted_proxies is set"),
])
def test_reachable_from_elsewhere_needs_an_api_token(tmp_path: Path, setting: str,
                                                     value: object, reason: str) -> None:
    settings = desk_settings(tmp_path, api_token=None, **{setting: value})
    with pytest.raises(ConfigError) as refused:
        require_api_token(settings)
    assert refused.value.code == "api-token-required"
    assert reason in refused.value.message
    require_api_token(desk_settings(tmp_path, **{setting: value}))  # with a token it starts
    require_api_token(desk_settings(tmp_path, api_token=None))  # `make run`: loopback only
