"""indexes for the session's survey read and the N-th-event completion lookup

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every widget session read all of a workspace's survey answers; completion rules that
    # need an event N times walked all of a user's events.
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_user_name", ["workspace_id", "user_id", "name", "timestamp"], unique=False
        )
        batch_op.drop_index("ix_event_user")
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.create_index("ix_survey_answer_user", ["workspace_id", "user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_answer_user")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_user", ["workspace_id", "user_id"], unique=False)
        batch_op.drop_index("ix_event_user_name")
