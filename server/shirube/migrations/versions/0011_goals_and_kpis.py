"""goals and KPIs: per-user and per-company completion of goals, checklists and tours; the
queue of users whose figures need recomputing; backfill jobs; event properties kept with
counted events (for `where` filters)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # A rule's `where` filter reads the properties of the events it counts; copied from the
    # log for the events counted so far (one primary-key lookup each).
    with op.batch_alter_table("counted_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("properties", _JSON, nullable=True))
    op.execute(
        "UPDATE counted_event SET properties = (SELECT e.properties FROM event e"
        " WHERE e.workspace_id = counted_event.workspace_id AND e.id = counted_event.event_id)"
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index("ix_membership_company", ["workspace_id", "company_id"], unique=False)
    op.create_table(
        "kpi_user",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("in_audience", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("parts_done", sa.Integer(), nullable=False),
        sa.Column("last_progress_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "kind", "key", "user_id"),
    )
    # A company's users' rows (through their memberships), and a user's rows.
    with op.batch_alter_table("kpi_user", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_user_user", ["workspace_id", "user_id"], unique=False)
    op.create_table(
        "kpi_company",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.String(length=255), nullable=False),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("onboarded_at", sa.DateTime(), nullable=True),
        sa.Column("median_seconds", sa.Float(), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "kind", "key", "company_id"),
    )
    op.create_table(
        "kpi_dirty",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "user_id"),
    )
    with op.batch_alter_table("kpi_dirty", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_dirty_since", ["since"], unique=False)
    op.create_table(
        "kpi_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("cursor", sa.String(length=255), nullable=True),
        sa.Column("done_users", sa.Integer(), nullable=False),
        sa.Column("total_users", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kpi_job", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_job_state", ["state", "id"], unique=False)
        batch_op.create_index("ix_kpi_job_workspace", ["workspace_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("kpi_job")
    op.drop_table("kpi_dirty")
    op.drop_table("kpi_company")
    op.drop_table("kpi_user")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index("ix_membership_company")
    with op.batch_alter_table("counted_event", schema=None) as batch_op:
        batch_op.drop_column("properties")
