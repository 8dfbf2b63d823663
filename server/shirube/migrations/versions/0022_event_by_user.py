"""event keyed by (workspace_id, user_key, id): an event id is unique per user

The client's event ids are random: keyed by them alone, each event of a batch was a random
leaf of the event log's key (about 1,240 pages a batch of 1,000 at 1 M stored events). After
the user's key (migration 0021), a batch's events land with their users' other rows.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_ONLY = sa.text("name = '$target_missing'")
_COPY = "workspace_id, id, name, properties, user_id, company_id, timestamp, received_at, source"


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column(
            "properties", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("company_id", sa.String(length=255), nullable=True),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
    ]


def _indexes() -> None:
    op.create_index("ix_event_name", "event", ["workspace_id", "name"])
    op.create_index(
        "ix_event_target_missing", "event", ["workspace_id", "timestamp"], sqlite_where=_ONLY
    )


def _sqlite_rebuild(*, by_user: bool) -> None:
    """A new table in place of `event`, its rows copied with their rowids: the feature-usage
    rollup's marks are rowids of `event` (services/event_name_users.py)."""
    key = ["workspace_id", "user_key", "id"] if by_user else ["workspace_id", "id"]
    extra = [sa.Column("user_key", sa.BigInteger(), nullable=False)] if by_user else []
    op.create_table("event_new", *_columns(), *extra, sa.PrimaryKeyConstraint(*key))
    if by_user:
        op.execute(
            f"INSERT INTO event_new (rowid, user_key, {_COPY}) "
            f"SELECT e.rowid, u.user_key, {', '.join('e.' + c for c in _COPY.split(', '))} "
            "FROM event e JOIN end_user u "
            "ON u.workspace_id = e.workspace_id AND u.external_id = e.user_id ORDER BY e.rowid"
        )
    else:
        op.execute(
            f"INSERT INTO event_new (rowid, {_COPY}) SELECT rowid, {_COPY} FROM event "
            "ORDER BY rowid"
        )
    op.drop_table("event")
    op.rename_table("event_new", "event")
    _indexes()


def upgrade() -> None:
    # Ingestion upserts an event's user with it; a row written by hand could lack one.
    postgres = op.get_bind().dialect.name == "postgresql"
    no_traits = "CAST('{}' AS JSONB)" if postgres else "'{}'"
    op.execute(
        "INSERT INTO end_user (workspace_id, external_id, traits, first_seen_at, last_seen_at, "
        f"progress_rev) SELECT workspace_id, user_id, {no_traits}, min(timestamp), "
        "max(timestamp), 0 FROM event e WHERE NOT EXISTS (SELECT 1 FROM end_user u WHERE "
        "u.workspace_id = e.workspace_id AND u.external_id = e.user_id) "
        "GROUP BY workspace_id, user_id"
    )
    if not postgres:
        _sqlite_rebuild(by_user=True)
        return
    op.execute("ALTER TABLE event ADD COLUMN user_key BIGINT")
    op.execute(
        "UPDATE event e SET user_key = u.user_key FROM end_user u "
        "WHERE u.workspace_id = e.workspace_id AND u.external_id = e.user_id"
    )
    op.execute("ALTER TABLE event ALTER COLUMN user_key SET NOT NULL")
    op.execute("ALTER TABLE event DROP CONSTRAINT event_pkey")
    op.execute("ALTER TABLE event ADD PRIMARY KEY (workspace_id, user_key, id)")


def downgrade() -> None:
    # Events of two users with one id would break the older key: the later ones go.
    op.execute(
        "DELETE FROM event WHERE EXISTS (SELECT 1 FROM event o WHERE "
        "o.workspace_id = event.workspace_id AND o.id = event.id AND "
        "(o.received_at < event.received_at OR (o.received_at = event.received_at "
        "AND o.user_key < event.user_key)))"
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(by_user=False)
        return
    op.execute("ALTER TABLE event DROP CONSTRAINT event_pkey")
    op.execute("ALTER TABLE event ADD PRIMARY KEY (workspace_id, id)")
    op.execute("ALTER TABLE event DROP COLUMN user_key")
