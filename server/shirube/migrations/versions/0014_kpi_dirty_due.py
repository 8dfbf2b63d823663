"""kpi_dirty.due_at: the KPI worker takes a user 5 s after their last mark (capped), not 5 s
after the first

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
# Re-chained at merge when 0013 lands first.
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kpi_dirty", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_at", sa.DateTime(), nullable=True))
    # Marks waiting at the upgrade are due as they were (their first mark + the delay, or at
    # once: the worker's delay is 5 s).
    op.execute("UPDATE kpi_dirty SET due_at = since")
    with op.batch_alter_table("kpi_dirty", schema=None) as batch_op:
        batch_op.alter_column("due_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.drop_index("ix_kpi_dirty_since")
        batch_op.create_index("ix_kpi_dirty_due", ["due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kpi_dirty", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_dirty_due")
        batch_op.create_index("ix_kpi_dirty_since", ["since"], unique=False)
        batch_op.drop_column("due_at")
