"""end_user.progress_rev: sessions reuse a user's progress until it changes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Moved on by every transaction that changes what a session shows of the user's progress
    # (services/progress_cache.py), so a process can keep that progress between sessions.
    with op.batch_alter_table("end_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("progress_rev", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("end_user", schema=None) as batch_op:
        batch_op.drop_column("progress_rev")
