"""user_active_week: the ISO weeks in which each user was active, for weekly active users;
event_name_user (and its mark): which users sent each event name, for feature usage on SQLite

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None

# The Monday of each stored day's ISO week, as `YYYY-MM-DD` text (services/active_time.py
# writes the same).
_MONDAY = {
    "sqlite": "date(day, '-6 days', 'weekday 1')",
    "postgresql": "to_char(date_trunc('week', CAST(day AS DATE)), 'YYYY-MM-DD')",
}


def upgrade() -> None:
    op.create_table(
        "user_active_week",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "week", "user_id"),
        sqlite_with_rowid=False,
    )
    # The weeks of the active days stored so far.
    monday = _MONDAY[op.get_bind().dialect.name]
    op.execute(
        "INSERT INTO user_active_week (workspace_id, week, user_id) "
        f"SELECT DISTINCT workspace_id, {monday}, user_id FROM user_active_day"
    )
    op.create_table(
        "event_name_user",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "name", "user_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "event_name_user_mark",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("event_rowid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "name"),
        sqlite_with_rowid=False,
    )
    # Nothing rolled up yet: each name is, in the background, once asked for.


def downgrade() -> None:
    op.drop_table("event_name_user_mark")
    op.drop_table("event_name_user")
    op.drop_table("user_active_week")
