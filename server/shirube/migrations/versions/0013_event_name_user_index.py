"""ix_event_name covers the user: (workspace_id, name, user_id)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Replaced, not added beside: an event costs one index entry either way (the wider key
    # is a few bytes more), and feature usage (distinct users per name, services/kpi_usage.py)
    # reads the index alone, in user order, instead of fetching every event of the names.
    op.drop_index("ix_event_name", table_name="event")
    op.create_index("ix_event_name", "event", ["workspace_id", "name", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_event_name", table_name="event")
    op.create_index("ix_event_name", "event", ["workspace_id", "name"])
