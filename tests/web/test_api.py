"""``/api/*``: bearer token, the loopback rule when no token is set, and the JSON it serves."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from tests.conftest import serving
from tests.web.conftest import Service, build_service, desk_settings, transfer_call
from voicebot.config import Settings


def client(service: Service, host: str = "127.0.0.1",
           base_url: str = "http://testserver") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=service.app, client=(host, 50_000))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


async def test_the_token_is_required(service: Service) -> None:
    transfer_call(service.events, "CA1")
    async with client(service) as http:
        missing = await http.get("/api/calls")
        wrong = await http.get("/api/calls", headers={"Authorization": "Bearer nope"})
        basic = await http.get("/api/calls", headers={"Authorization": "Basic api-token-123"})
        right = await http.get("/api/calls", headers={"Authorization": "Bearer api-token-123"})
    for refused in (missing, wrong, basic):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert refused.json() == {"detail": "a valid bearer token is required"}
    assert right.status_code == 200
    assert [c["call_sid"] for c in right.json()["calls"]] == ["CA1"]


async def test_a_call_as_json(service: Service) -> None:
    transfer_call(service.events, "CA1")
    auth = {"Authorization": "Bearer api-token-123"}
    async with client(service, host="203.0.113.7") as http:  # a token works from anywhere
        call = (await http.get("/api/calls/CA1", headers=auth)).json()
        unknown = await http.get("/api/calls/CA404", headers=auth)
        figures = await http.get("/api/figures", headers=auth)
        bad_day = await http.get("/api/figures?day=yesterday", headers=auth)
        bad_limit = await http.get("/api/calls?limit=0", headers=auth)
    assert call["from"] == "+44 7*** ***123"
    assert call["outcome"] == "transferred"
    assert call["transfer_reason"] == "moving home"
    assert call["turns"][1]["who"] == "caller"
    assert call["turns"][1]["text"] == "I'm moving home, my card is [redacted number]"
    assert call["turns"][1]["intent"] == "council_tax_move"
    assert call["turns"][1]["slots"] == {"account": "12345678",
                                         "address": "1 High Street, LS6 2QT"}
    assert call["started_at"] and call["ended_at"]
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "no call 'CA404' on record"}
    assert figures.status_code == 200 and figures.json()["transferred"] == 1
    assert bad_day.status_code == 422 and bad_limit.status_code == 422


async def test_without_a_token_only_this_machine_is_served(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="voicebot.web.api"):
        service = build_service(desk_settings(tmp_path, api_token=None))
    assert "api_token is not set" in caplog.text
    try:
        transfer_call(service.events, "CA1")
        async with client(service, host="198.51.100.20") as http:
            remote = await http.get("/api/calls/CA1")
        async with client(service, host="::1", base_url="http://[::1]:8080") as http:
            local_v6 = await http.get("/api/calls/CA1")
        assert remote.status_code == 401
        assert "only this machine" in remote.json()["detail"]
        assert local_v6.status_code == 200
        async with serving(service.app) as base, httpx.AsyncClient(base_url=base,
                                                                  trust_env=False) as http:
            over_loopback = await http.get("/api/calls/CA1")
        assert over_loopback.status_code == 200
        assert over_loopback.json()["call_sid"] == "CA1"
    finally:
        service.records.close()
