"""admin.session_epoch: signing out ends the admin's console sessions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The console's session lives in a signed cookie; a counter the cookie must match is what
    # lets sign-out revoke a copy of it.
    with op.batch_alter_table("admin", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("admin", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
