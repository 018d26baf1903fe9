"""Storage: one interface (``Database``) over SQLite (embedded default) and PostgreSQL.

``open_database(url)`` picks the engine from the URL, migrates the schema to the newest
revision, and returns the database every store in the service shares.
"""

from __future__ import annotations

from pathlib import Path

from voicebot.storage import migrate
from voicebot.storage.database import (
    EVERYTHING,
    Connection,
    Database,
    Row,
    is_postgres_url,
    safe_url,
)

__all__ = ["EVERYTHING", "Connection", "Database", "Row", "open_database", "safe_url",
           "sqlite_url"]


def sqlite_url(path: Path) -> str:
    """The URL of a SQLite file (``sqlite:////abs/path.db`` for an absolute path)."""
    return f"sqlite:///{path}"


def open_database(url: str, *, pool_size: int = 8) -> Database:
    """The database at ``url`` (``sqlite:///path`` or ``postgresql://...``), migrated."""
    if is_postgres_url(url):
        from voicebot.storage.postgres import PostgresDatabase

        migrate.upgrade(postgres_url=url)
        return PostgresDatabase(url, pool_size=pool_size)
    if not url.startswith("sqlite:///"):
        raise ValueError(f"database_url must start with sqlite:/// or postgresql://: "
                         f"{safe_url(url)!r}")
    from voicebot.storage.sqlite import SqliteDatabase

    database = SqliteDatabase(Path(url.removeprefix("sqlite:///")))
    migrate.upgrade(sqlite_path=database.path)
    return database
