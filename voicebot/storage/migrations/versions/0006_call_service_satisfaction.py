"""What the GOV.UK figures need of each call: the service it was about (the first request the
bot understood) and the answer to the post-call satisfaction question.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("intent", sa.Text))
    op.add_column("calls", sa.Column("satisfaction_asked", sa.Integer, nullable=False,
                                     server_default=sa.text("0")))
    op.add_column("calls", sa.Column("satisfaction", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("satisfaction")
        batch.drop_column("satisfaction_asked")
        batch.drop_column("intent")
