import subprocess
import sys
import time
from pathlib import Path

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


def serve(tmp_path: Path, port: int, **env: str) -> subprocess.Popen[str]:
    environment = {"VOICEBOT_STATE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", **env}
    return subprocess.Popen([sys.executable, "-m", "voicebot", "serve", "--port", str(port)],
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def wait_until_up(process: subprocess.Popen[str], url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline
            time.sleep(0.2)


def test_a_service_reachable_from_elsewhere_shows_little(tmp_path: Path) -> None:
    port = unused_port()
    base = f"http://127.0.0.1:{port}"
    process = serve(tmp_path, port, VOICEBOT_PUBLIC_URL=base, VOICEBOT_API_TOKEN="api-secret",
                    VOICEBOT_TWILIO__AUTH_TOKEN="twilio-secret")
    try:
        wait_until_up(process, f"{base}/healthz")
        with httpx.Client(base_url=base, trust_env=False) as http:
            public = http.get("/healthz")
            detailed = http.get("/healthz", headers={"Authorization": "Bearer api-secret"})
            hidden = {path: http.get(path).status_code
                      for path in ("/docs", "/openapi.json", "/redoc", "/phone/")}
            home = http.get("/")
    finally:
        process.terminate()
        process.wait(10)
    assert public.json() == {"status": "ok"}
    assert "default-src 'self'" in public.headers["content-security-policy"]
    assert public.headers["x-content-type-options"] == "nosniff"
    assert detailed.json()["models"]["asr"].endswith("whisper-base")
    assert hidden == {"/docs": 404, "/openapi.json": 404, "/redoc": 404, "/phone/": 404}
    assert home.status_code == 307 and home.headers["location"] == "/desktop/"


def test_serving_beyond_loopback_without_an_api_token_is_refused(tmp_path: Path) -> None:
    process = serve(tmp_path, unused_port(), VOICEBOT_HOST="0.0.0.0")
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 2
    assert "api_token must be set because the service is reachable from elsewhere" in output
    assert "it listens on 0.0.0.0" in output
