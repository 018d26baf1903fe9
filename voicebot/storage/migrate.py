"""Brings a database to the newest schema with Alembic, at start-up, in every process.

Each process runs this before serving. The whole upgrade is one transaction that first takes a
lock (PostgreSQL: a transaction-scoped advisory lock; SQLite: ``BEGIN IMMEDIATE``), so when
several processes start together one migrates and the others find the work done. A database
made before migrations existed is upgraded in place (revision 0001 creates only what is
missing).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from voicebot.errors import StorageUnavailable

_SCRIPTS = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x766F_6963_6562  # "voiceb": one advisory lock id for voicebot's migrations


def head() -> str:
    """The newest revision this voicebot knows."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def upgrade(sqlite_path: Path | None = None, postgres_url: str | None = None) -> str:
    """Migrate the SQLite file or the PostgreSQL database to the head; returns the revision."""
    engine = _engine(sqlite_path, postgres_url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            config = _config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            revision = MigrationContext.configure(conn).get_current_revision()
    except sa.exc.OperationalError as err:
        raise StorageUnavailable("database-unavailable",
                                 f"cannot migrate the database: {err.orig}") from err
    finally:
        engine.dispose()
    return revision or ""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def _engine(sqlite_path: Path | None, postgres_url: str | None) -> sa.Engine:
    if postgres_url is not None:
        url = postgres_url
        return sa.create_engine("postgresql+psycopg://", poolclass=sa.NullPool,
                                creator=lambda: psycopg.connect(url, connect_timeout=10))
    assert sqlite_path is not None
    path = sqlite_path
    engine = sa.create_engine(
        "sqlite://", poolclass=sa.NullPool,
        creator=lambda: sqlite3.connect(path, isolation_level=None, timeout=30.0))

    @sa.event.listens_for(engine, "begin")
    def begin_immediately(conn: Any) -> None:
        # Take SQLite's write lock before reading the version, and keep DDL in the transaction
        # (the driver's own transaction handling would commit each CREATE on its own).
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
