"""The language each call was held in (``cy`` for a Welsh caller), shown to agents.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("language", sa.Text, nullable=False, server_default="en"))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("language")
