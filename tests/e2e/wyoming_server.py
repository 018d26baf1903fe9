"""The real ``wyoming-faster-whisper`` server on loopback, with the assembled Whisper base."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import unused_port
from voicebot.config import load_settings
from voicebot.speech.provision import model_paths


@contextmanager
def wyoming_whisper(folder: Path, threads: int = 2) -> Iterator[str]:
    """Start the server (no model hub: the local model directory, local files only)."""
    port = unused_port()
    model = model_paths(load_settings()).whisper_dir
    log = folder / "wyoming.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "wyoming_faster_whisper", "--uri", f"tcp://127.0.0.1:{port}",
             "--model", str(model), "--data-dir", str(folder), "--local-files-only",
             "--stt-library", "faster-whisper", "--language", "en", "--compute-type", "int8",
             "--beam-size", "2", "--cpu-threads", str(threads)],
            stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_listening(process, port, log)
        yield f"tcp://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"wyoming-faster-whisper exited:\n{log.read_text()}")
        if b"Ready" in log.read_bytes():
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return
        time.sleep(0.2)
    raise AssertionError(f"wyoming-faster-whisper did not start:\n{log.read_text()}")
