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
content change brings a new name, `sync_counted_names` copies that name's stored events in and
counts them, in the same transaction as the revision bump: on PostgreSQL that bump waits for
the batches that hold the revision (services/content_lock.py), and later batches wait for it,
read the new revision and write the name's events themselves; on SQLite writers take turns
anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shirube.services.sql import Raw

_RULE_DOCUMENTS = (
    "SELECT cv.document FROM content_item ci"
    " JOIN content_version cv ON cv.content_id = ci.id AND cv.version = ci.published_version"
    " WHERE ci.workspace_id = ? AND ci.kind = 'checklist'"
)
COUNTED_NAMES = "SELECT name FROM counted_name WHERE workspace_id = ?"
COUNTED_EVENT_INSERT = (
    "INSERT INTO counted_event (workspace_id, user_id, name, timestamp, event_id)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_COUNT_EVENTS = (
    "INSERT INTO user_event_count (workspace_id, user_id, name, count, first_at, last_at)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, user_id, name) DO UPDATE SET"
    " count = user_event_count.count + excluded.count,"
    " first_at = CASE WHEN excluded.first_at < user_event_count.first_at"
    " THEN excluded.first_at ELSE user_event_count.first_at END,"
    " last_at = CASE WHEN excluded.last_at > user_event_count.last_at"
    " THEN excluded.last_at ELSE user_event_count.last_at END"
)


def rule_event_names(documents: Iterable[Any]) -> set[str]:
    """Event names that the completion rules of these checklist documents count."""
    names: set[str] = set()
    for document in documents:
        for item in document.get("items", ()):
            completion = item.get("completion") or {}
            if completion.get("type") == "event" and completion.get("event"):
                names.add(completion["event"])
    return names


def counted_names(raw: Raw, workspace_id: int) -> frozenset[str]:
    return frozenset(name for (name,) in raw.all(COUNTED_NAMES, (workspace_id,)))


def sync_counted_names(raw: Raw, workspace_id: int) -> None:
    """Count from now on the names the published rules count, with the events stored so far
    (inside the transaction that changes the published content, after its revision bump)."""
    documents = [raw.json_in(doc) for (doc,) in raw.all(_RULE_DOCUMENTS, (workspace_id,))]
    for name in sorted(rule_event_names(documents) - counted_names(raw, workspace_id)):
        raw.run("INSERT INTO counted_name (workspace_id, name) VALUES (?, ?)", (workspace_id, name))
        raw.run(
            "INSERT INTO counted_event (workspace_id, user_id, name, timestamp, event_id)"
            " SELECT workspace_id, user_id, name, timestamp, id FROM event"
            " WHERE workspace_id = ? AND name = ? ON CONFLICT DO NOTHING",
            (workspace_id, name),
        )
        # Counters of a name no rule counted were not kept up to date (before migration 0006
        # every name was counted): recounted from the log.
        raw.run(
            "DELETE FROM user_event_count WHERE workspace_id = ? AND name = ?", (workspace_id, name)
        )
        raw.run(
            "INSERT INTO user_event_count (workspace_id, user_id, name, count, first_at, last_at)"
            " SELECT workspace_id, user_id, name, count(*), min(timestamp), max(timestamp)"
            " FROM event WHERE workspace_id = ? AND name = ? GROUP BY workspace_id, user_id, name",
            (workspace_id, name),
        )


def record_counted(
    raw: Raw, workspace_id: int, rows: list[dict[str, Any]], names: frozenset[str]
) -> None:
    """Add the new events of counted names, and count them (inside the batch's transaction)."""
    counted = [row for row in rows if row["name"] in names]
    if not counted:
        return
    raw.many(
        COUNTED_EVENT_INSERT,
        [
            (workspace_id, row["user_id"], row["name"], row["stored_at"], row["id"])
            for row in counted
        ],
    )
    totals: dict[tuple[str, str], list[Any]] = {}
    for row in counted:
        key = (row["user_id"], row["name"])
        ts = row["stored_at"]
        entry = totals.get(key)
        if entry is None:
            totals[key] = [1, ts, ts]
        else:
            entry[0] += 1
            entry[1] = min(entry[1], ts)
            entry[2] = max(entry[2], ts)
    # Sorted so that concurrent batches lock rows in the same order (no deadlocks on PostgreSQL).
    raw.many(
        _COUNT_EVENTS,
        [
            (workspace_id, user_id, name, count, first, last)
            for (user_id, name), (count, first, last) in sorted(totals.items())
        ],
    )
