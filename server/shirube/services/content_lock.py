"""The lock that keeps a workspace's published content still while an event batch projects
with it (PostgreSQL; on SQLite one writer at a time excludes a publish anyway).

A batch reads the content revision and projects its events with that revision's rules; a
change of published content must not commit in between, or a session that kept a user's
progress under the new revision would miss the batch (services/progress_cache.py). Batches
hold the lock shared, changes of published content (`workspaces.bump_content_revision`) hold
it alone, both until their transaction ends.

A transaction-level advisory lock, not a share lock on the workspace row: PostgreSQL lets new
row share locks past an update waiting for the old ones, so under steady ingestion a publish
waited as long as the batches kept coming. Advisory locks queue in order: batches that arrive
after a waiting publish wait for it, then read the revision it committed (each statement of a
READ COMMITTED transaction sees what committed before it started, and the revision is read
after the lock is granted). Changes of the row that leave the revision alone (origins,
identity mode) no longer wait for batches at all.
"""

from __future__ import annotations

from sqlalchemy import Integer, bindparam, func, literal_column, select

from shirube.storage import Connection

# The first key of the two-key advisory lock, the workspace id the second: "SHRB".
_LOCK_CLASS = literal_column(str(0x5348_5242), Integer)
_WORKSPACE = bindparam("workspace_id", type_=Integer)
_SHARED = select(func.pg_advisory_xact_lock_shared(_LOCK_CLASS, _WORKSPACE))
_EXCLUSIVE = select(func.pg_advisory_xact_lock(_LOCK_CLASS, _WORKSPACE))


def hold_shared(conn: Connection, workspace_id: int) -> None:
    """For an event batch, before it reads the content revision."""
    if not conn.is_sqlite:
        conn.run(_SHARED, {"workspace_id": workspace_id})


def hold_exclusive(conn: Connection, workspace_id: int) -> None:
    """For a change of published content, before it moves the revision on."""
    if not conn.is_sqlite:
        conn.run(_EXCLUSIVE, {"workspace_id": workspace_id})
