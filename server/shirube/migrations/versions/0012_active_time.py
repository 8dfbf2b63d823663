"""active time: user_active_day (seconds per user and day), user_active (first/last days)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Projected from `$active` events in the batch's transaction (services/active_time.py).
    op.create_table(
        "user_active_day",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "user_id", "day"),
    )
    # Daily and weekly active users: a range of days read from the index alone.
    op.create_index("ix_user_active_day_day", "user_active_day", ["workspace_id", "day", "user_id"])
    op.create_table(
        "user_active",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("first_day", sa.String(length=10), nullable=False),
        sa.Column("last_day", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("user_active")
    op.drop_index("ix_user_active_day_day", table_name="user_active_day")
    op.drop_table("user_active_day")
