"""State every process must see: desktop sessions, call outcomes, agent whispers; case retention.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WHEN: sa.Double[float] = sa.Double()


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Text, primary_key=True),  # SHA-256 of the cookie, never the cookie
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
    )
    op.create_index("sessions_expiry", "sessions", ["expires_at"])
    op.create_table(
        "outcomes",
        sa.Column("sid", sa.Text, primary_key=True),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("settled_at", WHEN),
        sa.Column("outcome", sa.Text),  # JSON; NULL while the conversation is still running
    )
    op.create_index("outcomes_started", "outcomes", ["started_at"])
    op.create_table(
        "whispers",
        sa.Column("token", sa.Text, primary_key=True),  # SHA-256 of the URL's token
        sa.Column("sid", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("whispers_created", "whispers", ["created_at"])
    op.create_index("cases_created", "cases", ["created"])


def downgrade() -> None:
    op.drop_index("cases_created", "cases")
    for table in ("whispers", "outcomes", "sessions"):
        op.drop_table(table)
