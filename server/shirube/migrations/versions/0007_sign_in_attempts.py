"""sign_in_attempt: console sign-ins throttled by email and client address

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In the database, not in a process: every instance behind a load balancer counts the
    # same attempts (console/throttle.py).
    op.create_table(
        "sign_in_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_attempt_email", "sign_in_attempt", ["email", "at"])
    op.create_index("ix_sign_in_attempt_address", "sign_in_attempt", ["address", "at"])
    op.create_index("ix_sign_in_attempt_at", "sign_in_attempt", ["at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_attempt_at", table_name="sign_in_attempt")
    op.drop_index("ix_sign_in_attempt_address", table_name="sign_in_attempt")
    op.drop_index("ix_sign_in_attempt_email", table_name="sign_in_attempt")
    op.drop_table("sign_in_attempt")
