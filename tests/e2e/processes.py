"""Real ``voicebot serve`` processes for the end-to-end tests, always stopped on the way out."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import unused_port

TOKEN = "e2e-token"
API_TOKEN = "api-secret"
ALWAYS = {"kind": "queue", "address": "council", "hours": "always"}


@dataclass
class ServeProcess:
    """One running ``voicebot serve``; ``log`` is its combined output (read after it stops)."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def signal(self, sig: int = signal.SIGTERM) -> None:
        self.process.send_signal(sig)

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def settings_file(folder: Path, **settings: Any) -> Path:
    """A settings file (JSON is YAML) for the process; Twilio and API tokens are filled in."""
    merged = {
        "state_dir": str(folder / "state"),
        "twilio": {"auth_token": TOKEN},
        "api_token": API_TOKEN,
        "transfer_targets": {"general": ALWAYS},
        **settings,
    }
    path = folder / "settings.yaml"
    path.write_text(json.dumps(merged), encoding="utf-8")
    return path


def wait_ready(served: ServeProcess, within: float = 180.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise AssertionError(f"voicebot serve exited at start-up:\n{served.output()}")
        try:
            if httpx.get(f"{served.url}/healthz/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"voicebot serve was not ready within {within:.0f} s:\n"
                         f"{served.output()}")


@contextmanager
def serve(folder: Path, port: int | None = None, **settings: Any) -> Iterator[ServeProcess]:
    """Start ``voicebot serve`` with these settings on a free port; stop it however we leave."""
    folder.mkdir(parents=True, exist_ok=True)
    config = settings_file(folder, **settings)
    port = port or unused_port()
    log = folder / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEBOT_")}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "voicebot", "--config", str(config), "serve",
             "--port", str(port)],
            env=env, stdout=sink, stderr=subprocess.STDOUT)
    served = ServeProcess(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_ready(served)
        yield served
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], patience: float = 60.0) -> None:
    """SIGTERM (the drain is quick with no calls), then SIGKILL if it does not go."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(patience)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
