"""A real PostgreSQL for tests and benchmarks: Debian's server in a throwaway cluster.

``PostgresServer.start()`` runs ``initdb`` into a new temporary directory and ``pg_ctl start``
on a free loopback port, with the unix socket in that directory too; ``stop()`` shuts it down
and deletes everything. PostgreSQL refuses to run as root, so as root the cluster belongs to the
``postgres`` user that Debian's package creates (``runuser``). ``scripts/setup --browser``
installs the package when it is missing.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def server_binaries() -> Path | None:
    """The newest ``/usr/lib/postgresql/N/bin`` (Debian keeps them off PATH), or PATH's."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                   key=lambda p: int(re.sub(r"\D", "", p.parent.parent.name) or 0))
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One running throwaway cluster; ``create_database()`` gives each test its own database."""

    def __init__(self, bindir: Path, root: Path, port: int, runner: list[str]) -> None:
        self.bindir, self.root, self.port = bindir, root, port
        self._runner = runner
        self._names = itertools.count(1)
        self._stopped = False

    @classmethod
    def start(cls, *, durable: bool = False) -> PostgresServer:
        """Start a cluster; ``durable`` keeps fsync on (for honest write-throughput figures)."""
        bindir = server_binaries()
        if bindir is None:
            raise PostgresMissing("PostgreSQL is not installed (apt-get install postgresql; "
                                  "`scripts/setup --browser` does it)")
        root = Path(tempfile.mkdtemp(prefix="voicebot-pg-"))
        runner: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")  # made by Debian's package
            os.chown(root, owner.pw_uid, owner.pw_gid)
            runner = ["runuser", "-u", "postgres", "--"]
        server = cls(bindir, root, _free_port(), runner)
        atexit.register(server.stop)
        try:
            server._initdb()
            server._pg_ctl_start(durable)
        except BaseException:
            server.stop()
            raise
        return server

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self._runner, *args], capture_output=True, text=True,
                                timeout=120, check=False)
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{Path(args[0]).name} failed: {result.stderr.strip()}\n{tail}")

    def _initdb(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.root / "data"), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")

    def _pg_ctl_start(self, durable: bool) -> None:
        self._durable = durable
        options = [f"-p {self.port}", f"-k {self.root}", "-c listen_addresses=127.0.0.1",
                   "-c max_connections=200"]
        if not durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-l",
                  str(self.root / "server.log"), "-w", "-t", "60", "-o", " ".join(options),
                  "start")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        name = f"test_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def halt(self) -> None:
        """Shut the server down, keeping its data (an outage); ``resume()`` brings it back."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast",
                  "-w", "stop")

    def resume(self) -> None:
        self._pg_ctl_start(self._durable)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if (self.root / "data" / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"),
                          "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
