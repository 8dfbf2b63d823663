"""user_event_count keeps the counters of counted names only

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # From now on only the names of `counted_name` are counted (services/counted_events.py);
    # the other counters would go stale. A name that becomes counted later is recounted from
    # the event log at that publish.
    op.execute(
        sa.text(
            "DELETE FROM user_event_count WHERE NOT EXISTS (SELECT 1 FROM counted_name c"
            " WHERE c.workspace_id = user_event_count.workspace_id"
            " AND c.name = user_event_count.name)"
        )
    )


def downgrade() -> None:
    # The older code counts every name: recount the names it would find missing.
    op.execute(sa.text("DELETE FROM user_event_count"))
    op.execute(
        sa.text(
            "INSERT INTO user_event_count (workspace_id, user_id, name, count, first_at, last_at)"
            " SELECT workspace_id, user_id, name, count(*), min(timestamp), max(timestamp)"
            " FROM event GROUP BY workspace_id, user_id, name"
        )
    )
