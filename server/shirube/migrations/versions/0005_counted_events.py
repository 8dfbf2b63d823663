"""counted_event and counted_name: the N-th event lookup without indexing the whole event log
by user

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ix_event_user_name cost two thirds of the pages an ingestion batch writes; only the events
    # that completion rules count are kept by user and name now (services/counted_events.py).
    op.create_table(
        "counted_name",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "name"),
    )
    op.create_table(
        "counted_event",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "user_id", "name", "timestamp", "event_id"),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_name", ["workspace_id", "name"], unique=False)
    _count_published_rule_names()
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_user_name")


def _count_published_rule_names() -> None:
    """What `sync_counted_names` does at a publish, for the content published now (kept here
    as it is today: a migration must not change when the application's code does)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT ci.workspace_id, cv.document FROM content_item ci"
            " JOIN content_version cv ON cv.content_id = ci.id"
            " AND cv.version = ci.published_version WHERE ci.kind = 'checklist'"
        )
    ).all()
    names: set[tuple[int, str]] = set()
    for workspace_id, document in rows:
        doc: Any = json.loads(document) if isinstance(document, str) else document
        for item in doc.get("items", ()):
            completion = item.get("completion") or {}
            if completion.get("type") == "event" and completion.get("event"):
                names.add((workspace_id, completion["event"]))
    for workspace_id, name in sorted(names):
        params = {"ws": workspace_id, "name": name}
        bind.execute(
            sa.text("INSERT INTO counted_name (workspace_id, name) VALUES (:ws, :name)"), params
        )
        bind.execute(
            sa.text(
                "INSERT INTO counted_event (workspace_id, user_id, name, timestamp, event_id)"
                " SELECT workspace_id, user_id, name, timestamp, id FROM event"
                " WHERE workspace_id = :ws AND name = :name"
            ),
            params,
        )


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_user_name", ["workspace_id", "user_id", "name", "timestamp"], unique=False
        )
        batch_op.drop_index("ix_event_name")
    op.drop_table("counted_event")
    op.drop_table("counted_name")
