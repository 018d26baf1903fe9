"""Shared fixtures: settings in a temporary state directory and a real server on loopback."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.postgres import PostgresMissing, PostgresServer
from voicebot.config import Settings, load_settings
from voicebot.storage import sqlite_url


@pytest.fixture(scope="session")
def engines() -> Iterator[Any]:
    """The real speech models, loaded once for the whole test run."""
    from voicebot.speech.engines import SpeechEngines

    loaded = SpeechEngines.load(load_settings())
    yield loaded
    loaded.pool.shutdown()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings with a private state directory and a known Twilio token."""
    for name in list(__import__("os").environ):
        if name.startswith("VOICEBOT_"):
            monkeypatch.delenv(name)
    return load_settings(state_dir=tmp_path / "state", twilio={"auth_token": "test-token"})


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serving(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """Run ``app`` under uvicorn on loopback for the duration; yields its base URL."""
    port = port or unused_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, ws="websockets",
                            lifespan="on", proxy_headers=False)  # as `voicebot serve` runs it
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def serve() -> Callable[..., Any]:
    return serving


# -- storage: every store is tested on SQLite and on a real PostgreSQL --

ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster for the whole run (Debian's server, started here)."""
    try:
        server = PostgresServer.start()
    except PostgresMissing as err:
        if os.environ.get("CI"):
            raise  # CI installs PostgreSQL (scripts/setup --browser): never skip there
        pytest.skip(f"POSTGRESQL TESTS SKIPPED: {err}")
    yield server
    server.stop()


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database on each engine in turn (migrated by whatever opens it)."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "state" / "voicebot.db")
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database()
