"""The schema as it stood before versioned migrations: calls, turns, events, handoffs, cases.

A database made by an older voicebot already has these tables (made with ``CREATE TABLE IF NOT
EXISTS``), so every statement here is "if not exists": upgrading such a file keeps its rows and
only records the version.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""64-bit ids on PostgreSQL; SQLite's rowid alias must be spelt INTEGER."""
WHEN: sa.Double[float] = sa.Double()
"""Seconds since the epoch (double precision: PostgreSQL's REAL would lose the seconds)."""


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("sid", sa.Text, primary_key=True),
        sa.Column("from_number", sa.Text, nullable=False, server_default=""),
        sa.Column("to_number", sa.Text, nullable=False, server_default=""),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN),
        sa.Column("status", sa.Text),
        sa.Column("outcome", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("team", sa.Text),
        sa.Column("transfer_reason", sa.Text),
        sa.Column("summary", sa.Text),
        sa.Column("verified", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("slots", sa.Text),
        sa.CheckConstraint("outcome IN ('contained', 'transferred', 'abandoned', 'error')",
                           name="calls_outcome"),
        if_not_exists=True,
    )
    op.create_index("calls_started", "calls", ["started_at"], if_not_exists=True)
    op.create_table(
        "turns",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("sid", sa.Text, sa.ForeignKey("calls.sid", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("who", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("intent", sa.Text),
        sa.Column("score", sa.Double),
        sa.Column("slots", sa.Text),
        sa.Column("confidence", sa.Double),
        sa.Column("interrupted", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.CheckConstraint("who IN ('caller', 'bot')", name="turns_who"),
        sqlite_autoincrement=True,
        if_not_exists=True,
    )
    op.create_index("turns_sid", "turns", ["sid", "id"], if_not_exists=True)
    op.create_table(
        "events",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("sid", sa.Text, sa.ForeignKey("calls.sid", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sqlite_autoincrement=True,
        if_not_exists=True,
    )
    op.create_index("events_sid", "events", ["sid", "id"], if_not_exists=True)
    op.create_table(
        "handoffs",
        sa.Column("sid", sa.Text, sa.ForeignKey("calls.sid", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("team", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("verified", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("slots", sa.Text),
        sa.Column("queued_at", WHEN, nullable=False),
        sa.Column("claimed_by", sa.Text),
        sa.Column("claimed_at", WHEN),
        sa.Column("left_at", WHEN),
        sa.Column("closed_at", WHEN),
        sa.Column("closed_by", sa.Text),
        sa.Column("outcome", sa.Text),
        sa.Column("note", sa.Text),
        sa.CheckConstraint("outcome IN ('resolved', 'callback', 'other')",
                           name="handoffs_outcome"),
        if_not_exists=True,
    )
    op.create_index("handoffs_queued", "handoffs", ["queued_at"], if_not_exists=True)
    op.create_table(
        "cases",
        sa.Column("reference", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("uprn", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("call_sid", sa.Text),
        sa.Column("created", WHEN, nullable=False),
        if_not_exists=True,
    )
    op.create_index("cases_uprn", "cases", ["uprn", "kind", "created"], if_not_exists=True)


def downgrade() -> None:
    for table in ("cases", "handoffs", "events", "turns", "calls"):
        op.drop_table(table)
