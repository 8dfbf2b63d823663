"""ix_event_target_missing: the `$target_missing` events by workspace and time (partial), for
the broken-target report

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_ONLY = sa.text("name = '$target_missing'")


def upgrade() -> None:
    op.create_index(
        "ix_event_target_missing",
        "event",
        ["workspace_id", "timestamp"],
        sqlite_where=_ONLY,
        postgresql_where=_ONLY,
    )


def downgrade() -> None:
    op.drop_index("ix_event_target_missing", table_name="event")
