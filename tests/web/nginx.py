"""Debian's nginx as a reverse proxy in front of a test server, started and stopped by the test."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

from tests.conftest import unused_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

FORWARDING = """
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
"""
"""What a proxy should send (docs/security.md): the real client is appended to the header."""


@contextlib.asynccontextmanager
async def nginx(upstream: str, folder: Path, headers: str = FORWARDING) -> AsyncIterator[str]:
    """nginx on a free loopback port proxying to ``upstream``; yields its base URL."""
    port = unused_port()
    config = folder / "nginx.conf"
    _write(config, f"""
daemon off;
master_process off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass {upstream};
      proxy_http_version 1.1;
      {headers}
    }}
  }}
}}
""")
    process = await asyncio.create_subprocess_exec(
        NGINX, "-p", str(folder), "-c", str(config), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    try:
        async with asyncio.timeout(10):
            while True:
                if process.returncode is not None:
                    raise RuntimeError((folder / "error.log").read_text(errors="replace"))
                with contextlib.suppress(OSError):
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
                    break
                await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        await process.wait()


def _write(config: Path, text: str) -> None:
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text, encoding="utf-8")
