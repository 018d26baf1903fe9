"""Migration 0006 (the call's service and its satisfaction answer) on both engines: calls made
before it keep their rows and read as "not asked", and it can be undone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command

from voicebot.storage import is_postgres_url, migrate

NEW = {"intent", "satisfaction_asked", "satisfaction"}


def engine_for(url: str) -> sa.Engine:
    """The engine start-up migrates with (SQLite: the write lock taken first)."""
    if is_postgres_url(url):
        return migrate._engine(None, url)
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return migrate._engine(path, None)


def to_revision(url: str, revision: str, *, down: bool = False) -> None:
    """Bring the database at ``url`` to ``revision`` as start-up does, in one transaction."""
    engine = engine_for(url)
    try:
        with engine.begin() as conn:
            config = migrate._config()
            config.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()


def call_columns(url: str) -> tuple[set[str], dict[str, Any]]:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("calls")}
            row = conn.execute(sa.text("SELECT * FROM calls WHERE sid='OLD'")).mappings().one()
    finally:
        engine.dispose()
    return columns, dict(row)


def test_0006_keeps_older_calls_as_not_asked_and_can_be_undone(database_url: str) -> None:
    to_revision(database_url, "0005")
    engine = engine_for(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO calls (sid, started_at, outcome) "
                                 "VALUES ('OLD', 1.0, 'contained')"))
    finally:
        engine.dispose()
    before, _ = call_columns(database_url)
    assert not before & NEW

    to_revision(database_url, "0006")
    columns, row = call_columns(database_url)
    assert columns >= NEW
    assert (row["outcome"], row["intent"], row["satisfaction_asked"], row["satisfaction"]) == (
        "contained", None, 0, None)

    to_revision(database_url, "0005", down=True)
    columns, row = call_columns(database_url)
    assert not columns & NEW and row["outcome"] == "contained"
