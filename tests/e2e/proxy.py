"""Debian's nginx on loopback, running the shipped ``deploy/nginx/voicebot.conf``.

The shipped site is used as it is, with only what a test machine must change: the upstream
lines name the test's processes, the TLS listener becomes a plain loopback port (no
certificate here), and the port-80 redirect goes. Each change is checked to have happened, so
the test breaks loudly if the file drifts. nginx runs unprivileged-friendly: its own prefix,
pid, logs and temp paths in a temporary directory, in the foreground, stopped by the test.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import unused_port

SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "voicebot.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def available() -> bool:
    return Path(NGINX).is_file() and os.access(NGINX, os.X_OK)


def site_for(upstreams: list[str], port: int) -> str:
    """The shipped site with the test's processes and a plain loopback listener."""
    site = SITE.read_text(encoding="utf-8")
    site, redirects = re.subn(r"# --- port 80:.*?# --- end of port 80 ---\n", "", site,
                              flags=re.S)
    servers = "".join(f"    server {address};\n" for address in upstreams)
    site, upstream_lines = re.subn(r"(    server 127\.0\.0\.1:\d+;\n)+", servers, site, count=1)
    site, listeners = re.subn(r"    listen 443 ssl http2;\n    listen \[::\]:443 ssl http2;\n",
                              f"    listen 127.0.0.1:{port};\n", site)
    site, tls_lines = re.subn(r"^    ssl_.*\n", "", site, flags=re.M)
    assert (redirects, upstream_lines, listeners) == (1, 1, 1) and tls_lines >= 2, \
        "deploy/nginx/voicebot.conf no longer has the shape this test adapts"
    return site


def main_config(folder: Path, site: Path) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach the temp paths
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'} info;\ndaemon off;\n"
            "events { worker_connections 1024; }\n"
            f"http {{\n    access_log {folder / 'access.log'};\n{temp}\n"
            f"    include {site};\n}}\n")


@contextmanager
def nginx(folder: Path, upstreams: list[str]) -> Iterator[str]:
    """Run nginx in front of ``upstreams`` (host:port); yields its base URL."""
    folder.mkdir(parents=True, exist_ok=True)
    port = unused_port()
    site = folder / "voicebot.conf"
    site.write_text(site_for(upstreams, port), encoding="utf-8")
    config = folder / "nginx.conf"
    config.write_text(main_config(folder, site), encoding="utf-8")
    command = [NGINX, "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_listening(process, port, folder)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_listening(process: subprocess.Popen[bytes], port: int, folder: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError((folder / "error.log").read_text())
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("nginx did not start listening")
