"""Checklist item completions: stored once per user and item (first time wins), and the
reads the completion rules need (event counts, the N-th event)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, bindparam, func, select
from sqlalchemy.dialects.postgresql import TIMESTAMP

from shirube.services.published import EventRule, ItemRef
from shirube.storage import Connection, array_rows, in_values, insert
from shirube.storage.tables import checklist_item_progress, counted_event, event, user_event_count

# Rows per statement where a batch's rows go in one statement: well inside both engines'
# limits on bound parameters (SQLite 32,766; PostgreSQL 65,535).
ROWS_PER_STATEMENT = 500


@dataclass(frozen=True)
class ItemCompletion:
    """A checklist item done by a user: when, by what kind of rule, and by which event."""

    user_id: str
    ref: ItemRef
    at: datetime
    by: str
    event_id: str | None = None


_COMPLETED_OF_USERS = select(
    checklist_item_progress.c.user_id,
    checklist_item_progress.c.checklist_key,
    checklist_item_progress.c.item_id,
).where(
    checklist_item_progress.c.workspace_id == bindparam("workspace_id"),
    in_values(checklist_item_progress.c.user_id, "user_ids"),
)


def completed_refs(
    conn: Connection, workspace_id: int, user_ids: Collection[str]
) -> set[tuple[str, ItemRef]]:
    if not user_ids:
        return set()
    rows = conn.all(
        _COMPLETED_OF_USERS, {"workspace_id": workspace_id, "user_ids": sorted(user_ids)}
    )
    return {(u, ItemRef(c, i)) for u, c, i in rows}


_OF_PAIR = (
    counted_event.c.workspace_id == bindparam("workspace_id"),
    counted_event.c.user_id == bindparam("user_id"),
    counted_event.c.name == bindparam("name"),
)
# Every name a published rule counts is a counted name (services/counted_events.py).
_NTH_EVENT = (
    select(counted_event.c.timestamp, counted_event.c.event_id)
    .where(*_OF_PAIR)
    .order_by(counted_event.c.timestamp, counted_event.c.event_id)
    .limit(1)
    .offset(bindparam("offset", type_=Integer))
)
_COUNTED = select(func.count()).select_from(counted_event).where(*_OF_PAIR)
# The same from the event log, through the index by name: slower. For a pair whose counted
# events fall short of its counter, which only an instance of an older version writing events
# after migration 0005 could cause (the upgrade notes say to stop them first).
_NTH_EVENT_IN_LOG = (
    select(event.c.timestamp, event.c.id)
    .where(
        event.c.workspace_id == bindparam("workspace_id"),
        event.c.name == bindparam("name"),
        event.c.user_id == bindparam("user_id"),
    )
    .order_by(event.c.timestamp, event.c.id)
    .limit(1)
    .offset(bindparam("offset", type_=Integer))
)


def nth_event_completion(
    conn: Connection, workspace_id: int, user_id: str, name: str, rule: EventRule, stored: int
) -> ItemCompletion:
    """An item that needs N events completed when the N-th one happened (for time to
    completion), not when the latest one arrived. `stored`: the pair's counter."""
    params = {
        "workspace_id": workspace_id,
        "user_id": user_id,
        "name": name,
        "offset": rule.min_count - 1,
    }
    counted = conn.scalar(_COUNTED, params)
    row = conn.one(_NTH_EVENT if counted >= stored else _NTH_EVENT_IN_LOG, params)
    if row is None:
        raise RuntimeError(f"fewer {name!r} events stored for {user_id!r} than counted")
    at, event_id = row
    return ItemCompletion(user_id, rule.ref, at, "event", event_id)


# Two plain IN lists use the primary key on both engines; a row-value IN does not.
_COUNTS = select(
    user_event_count.c.user_id, user_event_count.c.name, user_event_count.c.count
).where(
    user_event_count.c.workspace_id == bindparam("workspace_id"),
    in_values(user_event_count.c.user_id, "user_ids"),
    in_values(user_event_count.c.name, "names"),
)


def read_counts(
    conn: Connection, workspace_id: int, pairs: Collection[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """How many events of each (user, name) pair are stored."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = conn.all(
        _COUNTS,
        {
            "workspace_id": workspace_id,
            "user_ids": sorted({user_id for user_id, _ in wanted}),
            "names": sorted({name for _, name in wanted}),
        },
    )
    return {(user_id, name): count for user_id, name, count in rows if (user_id, name) in wanted}


_progress = checklist_item_progress.c
_RETURNED = (_progress.user_id, _progress.checklist_key, _progress.item_id)
# SQLite: one statement per completion (SQLite's executemany returns no rows; a statement is
# a few microseconds there).
_STORE_ONE = (
    insert(checklist_item_progress)
    .values(
        workspace_id=bindparam("workspace_id"),
        user_id=bindparam("user_id"),
        checklist_key=bindparam("checklist_key"),
        item_id=bindparam("item_id"),
        completed_at=bindparam("completed_at"),
        completed_by=bindparam("completed_by"),
        event_id=bindparam("event_id"),
    )
    .on_conflict_do_nothing()
    .returning(*_RETURNED)
)
# PostgreSQL: all of them in one statement, one round trip.
_COMPLETION_ROWS = array_rows(
    "c",
    user_id=String(),
    checklist_key=String(),
    item_id=String(),
    completed_at=TIMESTAMP(),
    completed_by=String(),
    event_id=String(),
)
_STORE_ALL = (
    insert(checklist_item_progress)
    .from_select(
        ["workspace_id", *(c.name for c in _COMPLETION_ROWS.c if c.name != "n")],
        select(
            bindparam("workspace_id", type_=Integer),
            *(c for c in _COMPLETION_ROWS.c if c.name != "n"),
        ).order_by(_COMPLETION_ROWS.c.n),
    )
    .on_conflict_do_nothing()
    .returning(*_RETURNED)
)


def store_completions(
    conn: Connection, workspace_id: int, completions: Iterable[ItemCompletion]
) -> list[tuple[str, ItemRef]]:
    """Insert item completions that do not exist yet; return the ones that are new."""
    unique: dict[tuple[str, ItemRef], ItemCompletion] = {}
    for completion in completions:
        unique.setdefault((completion.user_id, completion.ref), completion)
    if not unique:
        return []
    # Sorted so that concurrent transactions take row locks in one order.
    ordered = sorted(unique.values(), key=lambda c: (c.user_id, c.ref.checklist, c.ref.item))
    rows: list[Any] = []
    if conn.is_sqlite:
        for c in ordered:
            params = {
                "workspace_id": workspace_id,
                "user_id": c.user_id,
                "checklist_key": c.ref.checklist,
                "item_id": c.ref.item,
                "completed_at": c.at,
                "completed_by": c.by,
                "event_id": c.event_id,
            }
            rows += conn.all(_STORE_ONE, params)
    else:
        for start in range(0, len(ordered), ROWS_PER_STATEMENT):
            chunk = ordered[start : start + ROWS_PER_STATEMENT]
            arrays = {
                "workspace_id": workspace_id,
                "user_id": [c.user_id for c in chunk],
                "checklist_key": [c.ref.checklist for c in chunk],
                "item_id": [c.ref.item for c in chunk],
                "completed_at": [conn.stored_time(c.at) for c in chunk],
                "completed_by": [c.by for c in chunk],
                "event_id": [c.event_id for c in chunk],
            }
            rows += conn.all(_STORE_ALL, arrays)
    return sorted((user, ItemRef(checklist, item)) for user, checklist, item in rows)
