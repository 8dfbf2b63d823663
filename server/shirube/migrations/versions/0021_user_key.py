"""end_user.user_key: an integer key given to each user at first sight, leading the keys of
counted_event, user_event_count and checklist_item_progress (which keep user_id as a column)

The host's user ids are random strings: keyed by them, the rows a batch writes landed on a
random leaf each, about 1,800 pages a batch at 1 M stored events. Keyed by a number given in
arrival order, the users active now share the last leaves of each tree.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_CHILDREN = ("counted_event", "user_event_count", "checklist_item_progress")
# Each child's key after the workspace and the user.
_REST_OF_KEY = {
    "counted_event": ["name", "timestamp", "event_id"],
    "user_event_count": ["name"],
    "checklist_item_progress": ["checklist_key", "item_id"],
}


def _columns(table: str) -> list[sa.Column[object]]:
    """The child's columns but the user's (`user_id` and `user_key`)."""
    if table == "counted_event":
        return [
            sa.Column("name", sa.String(length=100), nullable=False),
            sa.Column("timestamp", sa.DateTime(), nullable=False),
            sa.Column("event_id", sa.String(length=128), nullable=False),
            sa.Column("properties", _JSON, nullable=True),
        ]
    if table == "user_event_count":
        return [
            sa.Column("name", sa.String(length=100), nullable=False),
            sa.Column("count", sa.Integer(), nullable=False),
            sa.Column("first_at", sa.DateTime(), nullable=False),
            sa.Column("last_at", sa.DateTime(), nullable=False),
        ]
    return [
        sa.Column("checklist_key", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=False),
        sa.Column("completed_by", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=True),
    ]


def _user_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("traits", _JSON, nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("progress_rev", sa.Integer(), nullable=False, server_default="0"),
    ]


_USER_COPY = "workspace_id, external_id, traits, locale, first_seen_at, last_seen_at, progress_rev"


def _rest(table: str) -> str:
    return ", ".join(c.name for c in _columns(table))


def _add_missing_users() -> None:
    """A user with progress rows and no `end_user` row (only rows written by hand could be
    one) gets a row, so that none of their rows is lost."""
    no_traits = "CAST('{}' AS JSONB)" if op.get_bind().dialect.name == "postgresql" else "'{}'"
    for table in _CHILDREN:
        op.execute(
            f"INSERT INTO end_user (workspace_id, external_id, traits, first_seen_at, "
            f"last_seen_at, progress_rev) SELECT DISTINCT t.workspace_id, t.user_id, {no_traits}, "
            f"CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0 FROM {table} t WHERE NOT EXISTS "
            "(SELECT 1 FROM end_user u WHERE u.workspace_id = t.workspace_id "
            "AND u.external_id = t.user_id)"
        )


def _rebuild(table: str, columns: list[sa.Column[object]], key: list[str], copy: str) -> None:
    """SQLite: a new table in place of `table` (SQLite cannot change a primary key), filled
    by the statement `copy` formats with the new table's name."""
    op.create_table(f"{table}_new", *columns, sa.PrimaryKeyConstraint(*key))
    op.execute(copy.format(new=f"{table}_new"))
    op.drop_table(table)
    op.rename_table(f"{table}_new", table)


def _sqlite_upgrade() -> None:
    op.create_table(
        "end_user_new",
        sa.Column("user_key", sa.Integer(), nullable=False),
        *_user_columns(),
        sa.PrimaryKeyConstraint("user_key"),
        sa.UniqueConstraint("workspace_id", "external_id", name="uq_end_user_external_id"),
    )
    # The rowid order is the order users were first stored in.
    op.execute(
        f"INSERT INTO end_user_new (user_key, {_USER_COPY}) "
        f"SELECT rowid, {_USER_COPY} FROM end_user ORDER BY rowid"
    )
    op.drop_table("end_user")
    op.rename_table("end_user_new", "end_user")
    for table in _CHILDREN:
        _rebuild(
            table,
            [
                sa.Column("workspace_id", sa.Integer(), nullable=False),
                sa.Column("user_key", sa.BigInteger(), nullable=False),
                *_columns(table),
                sa.Column("user_id", sa.String(length=255), nullable=False),
            ],
            ["workspace_id", "user_key", *_REST_OF_KEY[table]],
            f"INSERT INTO {{new}} (workspace_id, user_key, user_id, {_rest(table)}) "
            f"SELECT t.workspace_id, u.user_key, t.user_id, {_prefixed(table)} FROM {table} t "
            "JOIN end_user u ON u.workspace_id = t.workspace_id AND u.external_id = t.user_id "
            "ORDER BY u.user_key",
        )


def _prefixed(table: str) -> str:
    return ", ".join(f"t.{c.name}" for c in _columns(table))


def _postgres_upgrade() -> None:
    op.execute("ALTER TABLE end_user ADD COLUMN user_key BIGINT GENERATED BY DEFAULT AS IDENTITY")
    op.execute("ALTER TABLE end_user DROP CONSTRAINT end_user_pkey")
    op.execute("ALTER TABLE end_user ADD PRIMARY KEY (user_key)")
    op.execute(
        "ALTER TABLE end_user ADD CONSTRAINT uq_end_user_external_id "
        "UNIQUE (workspace_id, external_id)"
    )
    for table in _CHILDREN:
        op.execute(f"ALTER TABLE {table} ADD COLUMN user_key BIGINT")
        op.execute(
            f"UPDATE {table} t SET user_key = u.user_key FROM end_user u "
            "WHERE u.workspace_id = t.workspace_id AND u.external_id = t.user_id"
        )
        op.execute(f"ALTER TABLE {table} ALTER COLUMN user_key SET NOT NULL")
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey")
        key = ", ".join(["workspace_id", "user_key", *_REST_OF_KEY[table]])
        op.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({key})")


def upgrade() -> None:
    _add_missing_users()
    upgrades: dict[str, Callable[[], None]] = {
        "sqlite": _sqlite_upgrade,
        "postgresql": _postgres_upgrade,
    }
    upgrades[op.get_bind().dialect.name]()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _CHILDREN:
            key = ", ".join(["workspace_id", "user_id", *_REST_OF_KEY[table]])
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey")
            op.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({key})")
            op.execute(f"ALTER TABLE {table} DROP COLUMN user_key")
        op.execute("ALTER TABLE end_user DROP CONSTRAINT uq_end_user_external_id")
        op.execute("ALTER TABLE end_user DROP CONSTRAINT end_user_pkey")
        op.execute("ALTER TABLE end_user ADD PRIMARY KEY (workspace_id, external_id)")
        op.execute("ALTER TABLE end_user DROP COLUMN user_key")
        return
    for table in _CHILDREN:
        _rebuild(
            table,
            [
                sa.Column("workspace_id", sa.Integer(), nullable=False),
                sa.Column("user_id", sa.String(length=255), nullable=False),
                *_columns(table),
            ],
            ["workspace_id", "user_id", *_REST_OF_KEY[table]],
            f"INSERT INTO {{new}} (workspace_id, user_id, {_rest(table)}) "
            f"SELECT workspace_id, user_id, {_rest(table)} FROM {table}",
        )
    _rebuild(
        "end_user",
        _user_columns(),
        ["workspace_id", "external_id"],
        f"INSERT INTO {{new}} ({_USER_COPY}) SELECT {_USER_COPY} FROM end_user ORDER BY user_key",
    )
