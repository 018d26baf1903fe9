"""Alembic's entry point: migrates the connection ``voicebot.storage.migrate`` hands it.

The caller has already begun the transaction (and on PostgreSQL taken an advisory lock), so
every revision applies in one transaction and two processes starting at once cannot both
migrate.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("voicebot migrates its database at start-up (voicebot.storage.migrate); "
                     "run `voicebot serve`, or call voicebot.storage.migrate.upgrade(url)")
context.configure(connection=connection, transactional_ddl=True, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
