"""Failed verification attempts and admitted Twilio requests, shared by every process; call
outcomes for silent calls, calls cut by a shutdown, and calls that met a fault.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WHEN: sa.Double[float] = sa.Double()
OUTCOMES = ("contained", "transferred", "abandoned", "error", "silent", "shutdown", "fault")
EARLIER = ("contained", "transferred", "abandoned", "error")


def _outcomes(names: tuple[str, ...]) -> str:
    return "outcome IN (" + ", ".join(f"'{name}'" for name in names) + ")"


def upgrade() -> None:
    op.create_table(
        "verification_failures",
        sa.Column("account", sa.Text, nullable=False),
        sa.Column("call_sid", sa.Text, nullable=False),
        sa.Column("at", WHEN, nullable=False),
    )
    op.create_index("verification_failures_account", "verification_failures", ["account", "at"])
    op.create_index("verification_failures_call", "verification_failures", ["call_sid"])
    op.create_table(
        "admissions",
        sa.Column("key", sa.Text, primary_key=True),  # what was let in (signature, call, stream)
        sa.Column("until", WHEN, nullable=False),
    )
    op.create_index("admissions_until", "admissions", ["until"])
    _allow_outcomes(OUTCOMES)


def downgrade() -> None:
    _allow_outcomes(EARLIER)
    op.drop_index("admissions_until", "admissions")
    op.drop_table("admissions")
    op.drop_index("verification_failures_call", "verification_failures")
    op.drop_index("verification_failures_account", "verification_failures")
    op.drop_table("verification_failures")


def _allow_outcomes(names: tuple[str, ...]) -> None:
    """Replace the CHECK on ``calls.outcome``.

    PostgreSQL alters it in place. SQLite cannot, so the table is rebuilt with the new CHECK; a
    file made before versioned migrations has the old CHECK unnamed, inside the column, and the
    rebuild leaves that one out rather than dropping it by name.
    """
    check = _outcomes(names)
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
