"""content_item.draft_revision: moved on by every draft save, so that a console editor's save
against a draft someone saved since it was loaded is refused (409) instead of overwriting it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("content_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("draft_revision", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    with op.batch_alter_table("content_item", schema=None) as batch_op:
        batch_op.drop_column("draft_revision")
