"""The events that completion rules count, kept apart from the event log by user and name:
each one in `counted_event`, so that "the N-th `shift.created` of this user" is one index
lookup, and their number per user and name in `user_event_count`, so that "at least N" is one
row.

An item that needs an event N times is completed at the time of the N-th one (time to
completion is a KPI). Indexing the whole event log by user for that lookup cost two thirds of
the pages an ingestion batch writes (every event a random B-tree insert; bench/README.md), and
a counter for every user and name another eighth of its time, for the few names rules count.
So both hold only the events of `counted_name`: every name that a published rule counts or has
counted (names are never removed, so a rule taken out and put back finds its history). When a
publish brings a new name, `count_new_names` copies that name's stored events in and counts
them, in the same transaction as the revision bump: on PostgreSQL that bump waits for the
batches that hold the revision (services/content_lock.py), and later batches wait for it, read
the new revision and write the name's events themselves; on SQLite writers take turns anyway.
Only the document being published can bring a name: every other published name was counted
when its own document was published.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import bindparam, delete, func, select

from shirube.services.user_keys import key_of
from shirube.storage import Connection, earliest, insert, latest, stored_value
from shirube.storage.tables import counted_event, counted_name, event, user_event_count

_COUNTED_NAMES = select(counted_name.c.name).where(
    counted_name.c.workspace_id == bindparam("workspace_id")
)
_ADD_NAME = insert(counted_name).values(
    workspace_id=bindparam("workspace_id"), name=bindparam("name")
)
_EVENTS_OF_NAME = (
    event.c.workspace_id == bindparam("workspace_id"),
    event.c.name == bindparam("name"),
)
_COPY_EVENTS = (
    insert(counted_event)
    .from_select(
        ["workspace_id", "user_key", "user_id", "name", "timestamp", "event_id", "properties"],
        select(
            event.c.workspace_id,
            event.c.user_key,
            event.c.user_id,
            event.c.name,
            event.c.timestamp,
            event.c.id,
            event.c.properties,
        ).where(*_EVENTS_OF_NAME),
    )
    .on_conflict_do_nothing()
)
_FORGET_COUNTS = delete(user_event_count).where(
    user_event_count.c.workspace_id == bindparam("workspace_id"),
    user_event_count.c.name == bindparam("name"),
)
_RECOUNT = insert(user_event_count).from_select(
    ["workspace_id", "user_key", "user_id", "name", "count", "first_at", "last_at"],
    select(
        event.c.workspace_id,
        event.c.user_key,
        event.c.user_id,
        event.c.name,
        func.count(),
        func.min(event.c.timestamp),
        func.max(event.c.timestamp),
    )
    .where(*_EVENTS_OF_NAME)
    .group_by(event.c.workspace_id, event.c.user_key, event.c.user_id, event.c.name),
)
ADD_COUNTED_EVENT = (
    insert(counted_event)
    .values(
        workspace_id=bindparam("workspace_id"),
        user_key=key_of(),
        user_id=bindparam("user_id"),
        name=bindparam("name"),
        timestamp=stored_value("timestamp"),
        event_id=bindparam("event_id"),
        properties=stored_value("properties"),
    )
    # The key's value is a statement (`key_of`): not returned (`inline`), or SQLAlchemy adds
    # `RETURNING user_key` to fetch it, a row per event for nothing.
    .inline()
    .on_conflict_do_nothing()
)
_new_count = (
    insert(user_event_count)
    .values(
        workspace_id=bindparam("workspace_id"),
        user_key=key_of(),
        user_id=bindparam("user_id"),
        name=bindparam("name"),
        count=bindparam("count"),
        first_at=stored_value("first_at"),
        last_at=stored_value("last_at"),
    )
    .inline()  # as above
)
_ADD_TO_COUNT = _new_count.on_conflict_do_update(
    index_elements=["workspace_id", "user_key", "name"],
    set_={
        "count": user_event_count.c.count + _new_count.excluded.count,
        "first_at": earliest(user_event_count.c.first_at, _new_count.excluded.first_at),
        "last_at": latest(user_event_count.c.last_at, _new_count.excluded.last_at),
    },
)


def counted_names(conn: Connection, workspace_id: int) -> frozenset[str]:
    return frozenset(name for (name,) in conn.all(_COUNTED_NAMES, {"workspace_id": workspace_id}))


def count_new_names(conn: Connection, workspace_id: int, names: Collection[str]) -> None:
    """Count from now on those of `names` (the event names of a checklist being published)
    not counted yet, with their events stored so far (inside the transaction that changes
    the published content, after its revision bump)."""
    if not names:
        return
    for name in sorted(set(names) - counted_names(conn, workspace_id)):
        params = {"workspace_id": workspace_id, "name": name}
        conn.run(_ADD_NAME, params)
        conn.run(_COPY_EVENTS, params)
        # Counters of a name no rule counted were not kept up to date (before migration 0006
        # every name was counted): recounted from the log.
        conn.run(_FORGET_COUNTS, params)
        conn.run(_RECOUNT, params)


def record_counted(
    conn: Connection, workspace_id: int, rows: list[dict[str, Any]], names: frozenset[str]
) -> None:
    """Add the new events of counted names, and count them (inside the batch's transaction)."""
    counted = [row for row in rows if row["name"] in names]
    if not counted:
        return
    conn.many(
        ADD_COUNTED_EVENT,
        [
            {
                "workspace_id": workspace_id,
                "user_id": row["user_id"],
                "name": row["name"],
                "timestamp": row["db_timestamp"],
                "event_id": row["id"],
                "properties": conn.stored_json(row["properties"]),
            }
            for row in counted
        ],
    )
    totals: dict[tuple[str, str], list[Any]] = {}
    for row in counted:
        key = (row["user_id"], row["name"])
        at = row["db_timestamp"]
        entry = totals.get(key)
        if entry is None:
            totals[key] = [1, at, at]
        else:
            entry[0] += 1
            entry[1] = min(entry[1], at)
            entry[2] = max(entry[2], at)
    # Sorted so that concurrent batches lock rows in the same order (no deadlocks on PostgreSQL).
    conn.many(
        _ADD_TO_COUNT,
        [
            {
                "workspace_id": workspace_id,
                "user_id": user_id,
                "name": name,
                "count": count,
                "first_at": first,
                "last_at": last,
            }
            for (user_id, name), (count, first, last) in sorted(totals.items())
        ],
    )
