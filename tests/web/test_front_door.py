"""The front door over a real socket: header and cookie limits, body limits, security headers."""

from __future__ import annotations

import asyncio
import contextlib
import re
import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from telephony.call import Call, Outcome
from telephony.twilio.routes import TwilioOptions
from telephony.twilio.routes import make_router as make_twilio_router
from tests.conftest import serving
from tests.web.conftest import Service

PATHOLOGICAL = '"' + '\\0\\"' * 16_000 + '"'
"""64 KiB of escapes: CVE-2024-7592 makes Python 3.11.7's cookie unquoting take seconds."""


class Ticker:
    """Counts how late a 10 ms timer fires on the event loop: a stalled loop shows as a gap."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._running = True

    async def run(self) -> None:
        last = time.perf_counter()
        while self._running:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            last = now

    def stop(self) -> None:
        self._running = False


async def loop_cost(http: httpx.AsyncClient, path: str, headers: dict[str, str]
                    ) -> tuple[httpx.Response, float, float]:
    """The response, the CPU seconds this thread (the loop's) spent, and the longest loop gap."""
    ticker = Ticker()
    ticking = asyncio.create_task(ticker.run())
    await asyncio.sleep(0.05)
    cpu = time.thread_time()
    response = await http.get(path, headers=headers, timeout=60)
    spent = time.thread_time() - cpu
    ticker.stop()
    await ticking
    return response, spent, ticker.longest


def with_twilio(service: Service) -> Service:
    """The desktop service with the real Twilio webhooks mounted too."""

    async def answer(call: Call) -> Outcome:
        return Outcome("hangup")

    service.app.include_router(make_twilio_router(answer, service.records,
                                                  TwilioOptions(auth_token="twilio-token")))
    return service


async def test_a_pathological_cookie_does_not_stall_the_loop(service: Service) -> None:
    small_bad = "voicebot_desktop=" + '"' + '\\0\\"' * 400 + '"'  # under the size limits
    async with serving(service.app) as base, httpx.AsyncClient(base_url=base,
                                                              trust_env=False) as http:
        normal, normal_cpu, _ = await loop_cost(http, "/desktop/", {"Cookie": "a=b"})
        big, big_cpu, big_gap = await loop_cost(
            http, "/desktop/", {"Cookie": f"voicebot_desktop={PATHOLOGICAL}"})
        small, small_cpu, small_gap = await loop_cost(http, "/desktop/", {"Cookie": small_bad})
    assert normal.status_code == 303
    assert big.status_code == 431 and "header is too large" in big.text
    assert small.status_code == 400 and "characters cookies cannot contain" in small.text
    # CPU time on the loop's thread does not grow with load on the machine, so it is the bound
    # (the parser needs seconds of it for this header); the timer gap says the same in wall time.
    assert big_cpu < normal_cpu + 0.2 and small_cpu < normal_cpu + 0.2
    assert big_gap < 1.0 and small_gap < 1.0


async def test_a_non_ascii_cookie_gets_a_clear_400(service: Service) -> None:
    async with serving(service.app) as base, httpx.AsyncClient(base_url=base,
                                                              trust_env=False) as http:
        answers = [await http.get(path, headers={"Cookie": cookie.encode()})
                   for path in ("/desktop/", "/desktop/api/queue")
                   for cookie in ("voicebot_desktop=x.café", "voicebot_desktop=ÿ")]
    for response in answers:
        assert response.status_code == 400
        assert response.text == "The Cookie header holds characters cookies cannot contain.\n"


async def test_oversized_headers_are_refused(service: Service) -> None:
    async with serving(service.app) as base, httpx.AsyncClient(base_url=base,
                                                              trust_env=False) as http:
        one_big = await http.get("/desktop/login", headers={"X-Big": "a" * 9000})
        many = await http.get("/desktop/login", headers={f"X-{n}": "v" for n in range(120)})
        total = await http.get("/desktop/login",
                               headers={f"X-{n}": "v" * 4000 for n in range(10)})
        cookies = await http.get("/desktop/login",
                                 headers={"Cookie": "; ".join(f"c{n}=1" for n in range(60))})
        fine = await http.get("/desktop/login", headers={"Cookie": 'a=1; b="quoted"'})
    for refused in (one_big, many, total, cookies):
        assert refused.status_code == 431
    assert fine.status_code == 200


def raw_post(base: str, path: str, head: bytes, body: Iterator[bytes]) -> tuple[bytes, int]:
    """A hand-written HTTP/1.1 request on a plain socket that stops sending once the server
    answers; returns the answer and how many body bytes went out before it came."""
    host, port = base.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n".encode() + head + b"\r\n")
        for chunk in body:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered (or closed): stop sending
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        return read_answer(sock), sent


def read_answer(sock: socket.socket) -> bytes:
    """One HTTP response: the head, then as many body bytes as its Content-Length says."""
    answer = b""
    with contextlib.suppress(ConnectionResetError):  # closed with our unread body pending
        while b"\r\n\r\n" not in answer and (received := sock.recv(65536)):
            answer += received
        head = answer.split(b"\r\n\r\n")[0].lower()
        length = re.search(rb"content-length: *(\d+)", head)
        wanted = len(head) + 4 + (int(length.group(1)) if length else 0)
        while len(answer) < wanted and (received := sock.recv(65536)):
            answer += received
    return answer


def chunks(size: int, total: int, chunked: bool) -> Iterator[bytes]:
    data = b"a" * size
    for _ in range(total // size):
        yield b"%x\r\n%s\r\n" % (size, data) if chunked else data
    if chunked:
        yield b"0\r\n\r\n"


FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"


async def test_a_declared_huge_body_is_refused_before_it_is_read(service: Service) -> None:
    head = FORM + b"Content-Length: %d\r\n" % (300 * 2**20)  # 300 MB announced
    async with serving(with_twilio(service).app) as base:
        answer, sent = await asyncio.to_thread(raw_post, base, "/twilio/voice", head,
                                               chunks(65536, 16 * 2**20, chunked=False))
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"larger than 65536 bytes" in answer
    assert sent < 4 * 2**20  # answered long before 16 MiB of the 300 MB went out


async def test_a_streamed_body_is_cut_off_at_the_limit(service: Service) -> None:
    head = FORM + b"Transfer-Encoding: chunked\r\n"  # no length: counted as it streams
    async with serving(with_twilio(service).app) as base:
        answer, sent = await asyncio.to_thread(raw_post, base, "/twilio/voice", head,
                                               chunks(8192, 16 * 2**20, chunked=True))
        async with httpx.AsyncClient(base_url=base, trust_env=False) as http:
            small = await http.post("/twilio/voice", data={"CallSid": "CA1"})
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert sent < 4 * 2**20
    assert small.status_code == 403  # within the limit: on to the signature check


@pytest.mark.parametrize("path", ["/desktop/login", "/desktop/static/desktop.js",
                                  "/desktop/api/queue", "/api/calls", "/nowhere"])
async def test_every_response_has_the_security_headers(service: Service, path: str) -> None:
    async with serving(service.app) as base, httpx.AsyncClient(base_url=base,
                                                              trust_env=False) as http:
        response = await http.get(path)
    headers = response.headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in headers  # plain http: HSTS would be ignored
