"""PostgreSQL: ix_event_name carries the user (INCLUDE user_id); SQLite: kpi_user is stored
in its primary key's order (WITHOUT ROWID)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_COLUMNS = (
    "workspace_id, kind, key, user_id, version, in_audience, started_at, completed_at, "
    "parts_done, last_progress_at, updated_at"
)


def _kpi_user(name: str, with_rowid: bool) -> None:
    op.create_table(
        name,
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
        sqlite_with_rowid=with_rowid,
    )


def _rebuild_kpi_user(with_rowid: bool) -> None:
    """SQLite only: a table's rowid-ness is fixed when it is created."""
    if op.get_bind().dialect.name != "sqlite":
        return
    _kpi_user("kpi_user_rebuilt", with_rowid)
    op.execute(f"INSERT INTO kpi_user_rebuilt ({_COLUMNS}) SELECT {_COLUMNS} FROM kpi_user")
    op.drop_index("ix_kpi_user_user", table_name="kpi_user")
    op.drop_table("kpi_user")
    op.rename_table("kpi_user_rebuilt", "kpi_user")
    op.create_index("ix_kpi_user_user", "kpi_user", ["workspace_id", "user_id"])


def upgrade() -> None:
    # PostgreSQL: feature usage (distinct users per name, services/kpi_usage.py) reads the
    # index alone. INCLUDE, not a third key column: entries stay in (workspace, name, row)
    # order, each name's new events appended at the end of its range. A key with the user
    # put each event at a random place in its name's range: on SQLite at 1,000,000 events
    # that cost 7 -> 22-31 µs of CPU per event inserted (bench/README.md), so SQLite, which
    # has no INCLUDE, keeps the index as it was.
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_event_name", table_name="event")
        op.create_index(
            "ix_event_name", "event", ["workspace_id", "name"], postgresql_include=["user_id"]
        )
    # Every KPI figure reads an objective's kpi_user rows by (workspace, kind, key): stored in
    # that order they are one sequential read instead of a rowid lookup per row (about a
    # third of a dashboard page's passes over the audience at 100,000 users, bench/kpis.py).
    _rebuild_kpi_user(with_rowid=False)


def downgrade() -> None:
    _rebuild_kpi_user(with_rowid=True)
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_event_name", table_name="event")
        op.create_index("ix_event_name", "event", ["workspace_id", "name"])
