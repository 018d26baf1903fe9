"""Call backs and messages left out of hours; emergency transfers marked; calls that ended with a
call back booked or a message left get outcomes of their own.

Call backs and messages have no foreign key to their call: retention keeps the call (and so the
conversation the agent reads) while either is open, and removes them with it afterwards.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN: sa.Double[float] = sa.Double()
OUTCOMES = ("contained", "transferred", "abandoned", "error", "silent", "shutdown", "fault",
            "callback", "message")
EARLIER = ("contained", "transferred", "abandoned", "error", "silent", "shutdown", "fault")


def upgrade() -> None:
    op.create_table(
        "callbacks",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("sid", sa.Text, nullable=False, unique=True),  # one per call: a retried write
        sa.Column("team", sa.Text, nullable=False),             # is not a second call back
        sa.Column("language", sa.Text, nullable=False, server_default="en"),
        sa.Column("number", sa.Text, nullable=False),
        sa.Column("window_start", WHEN, nullable=False),
        sa.Column("window_end", WHEN, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),  # the caller's words
        sa.Column("why", sa.Text, nullable=False, server_default=""),     # why a person
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default="waiting"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("claimed_by", sa.Text),
        sa.Column("claimed_at", WHEN),
        sa.Column("closed_at", WHEN),
        sa.Column("closed_by", sa.Text),
        sa.Column("notes", sa.Text, nullable=False, server_default="[]"),  # JSON list
        sa.CheckConstraint("state IN ('waiting', 'claimed', 'done', 'not-reached')",
                           name="callbacks_state"),
    )
    op.create_index("callbacks_open", "callbacks", ["closed_at", "window_start"])
    op.create_index("callbacks_created", "callbacks", ["created_at"])
    op.create_table(
        "messages",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("sid", sa.Text, nullable=False, unique=True),
        sa.Column("team", sa.Text, nullable=False),
        sa.Column("language", sa.Text, nullable=False, server_default="en"),
        sa.Column("text", sa.Text, nullable=False),  # the transcript, redacted; never audio
        sa.Column("why", sa.Text, nullable=False, server_default=""),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("closed_at", WHEN),
        sa.Column("closed_by", sa.Text),
        sa.Column("note", sa.Text),
    )
    op.create_index("messages_created", "messages", ["created_at"])
    op.add_column("handoffs", sa.Column("emergency", sa.Integer, nullable=False,
                                        server_default=sa.text("0")))
    _allow_outcomes(OUTCOMES)


def downgrade() -> None:
    _allow_outcomes(EARLIER)
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("emergency")
    op.drop_index("messages_created", "messages")
    op.drop_table("messages")
    op.drop_index("callbacks_created", "callbacks")
    op.drop_index("callbacks_open", "callbacks")
    op.drop_table("callbacks")


def _allow_outcomes(names: tuple[str, ...]) -> None:
    """Replace the CHECK on ``calls.outcome`` (PostgreSQL in place; SQLite by a rebuild, as
    revision 0003 does)."""
    check = "outcome IN (" + ", ".join(f"'{name}'" for name in names) + ")"
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint("calls_outcome", "calls", type_="check")
        op.create_check_constraint("calls_outcome", "calls", check)
        return
    named = {c["name"] for c in sa.inspect(bind).get_check_constraints("calls")}
    with op.batch_alter_table("calls", recreate="always", table_args=(
            sa.CheckConstraint(check, name="calls_outcome"),)) as batch:
        if "calls_outcome" in named:
            batch.drop_constraint("calls_outcome", type_="check")
