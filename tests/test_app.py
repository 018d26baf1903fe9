import subprocess
import sys
import time

import httpx

from tests.conftest import unused_port


def test_serve_answers_healthz_with_model_and_device(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = unused_port()
    env = {"VOICEBOT_STATE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(
        [sys.executable, "-m", "voicebot", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline
                time.sleep(0.2)
        body = response.json()
        assert body["status"] == "ok"
        assert body["device"]["name"] in {"cpu", "cuda"}
        assert body["models"]["asr"].endswith("whisper-base")
    finally:
        process.terminate()
        process.wait(10)
