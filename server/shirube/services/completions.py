"""Checklist item completions: one row per user and item, whose time is the event time of the
event that completed it; a completion found earlier than the stored one (an earlier event
arriving later) moves it back."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, bindparam, select, update
from sqlalchemy.dialects.postgresql import TIMESTAMP

from shirube.content.rules import EvalContext, UserFacts
from shirube.content.rules.derive import derive
from shirube.services.published import ItemRef
from shirube.services.user_keys import in_keys_of, key_of
from shirube.storage import Connection, array_rows, in_values, insert
from shirube.storage.tables import checklist_item_progress, end_user, user_event_count

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
    checklist_item_progress.c.completed_at,
).where(
    checklist_item_progress.c.workspace_id == bindparam("workspace_id"),
    in_keys_of(checklist_item_progress.c.user_key),
)


def completion_times(
    conn: Connection, workspace_id: int, user_ids: Collection[str]
) -> dict[tuple[str, ItemRef], datetime]:
    """The stored completion time of every item the users completed."""
    if not user_ids:
        return {}
    rows = conn.all(
        _COMPLETED_OF_USERS, {"workspace_id": workspace_id, "user_ids": sorted(user_ids)}
    )
    return {(u, ItemRef(c, i)): at for u, c, i, at in rows}


def derived_completions(
    facts: UserFacts, rules: Sequence[tuple[ItemRef, Any]], context: EvalContext
) -> list[ItemCompletion]:
    """The completions a user's facts give the items of `rules` (ItemRef, rule) that they
    lack or hold later, chains of checklists included (content/rules/derive.py)."""
    return [
        ItemCompletion(facts.user_id, ItemRef(*key), met.at, kind, met.event_id)
        for key, (met, kind) in derive(facts, rules, context).items()
    ]


def improvements(
    completions: Iterable[ItemCompletion], stored: Mapping[tuple[str, ItemRef], datetime]
) -> list[ItemCompletion]:
    """The earliest completion of each (user, item) that is new or earlier than `stored`."""
    best: dict[tuple[str, ItemRef], ItemCompletion] = {}
    for completion in completions:
        key = (completion.user_id, completion.ref)
        found = best.get(key)
        if found is None or completion.at < found.at:
            best[key] = completion
    return [c for key, c in best.items() if key not in stored or c.at < stored[key]]


# Two plain IN lists use the primary key on both engines; a row-value IN does not.
_COUNTS = select(
    user_event_count.c.user_id, user_event_count.c.name, user_event_count.c.count
).where(
    user_event_count.c.workspace_id == bindparam("workspace_id"),
    in_keys_of(user_event_count.c.user_key),
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
        user_key=key_of(),
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
        ["workspace_id", "user_key", *(c.name for c in _COMPLETION_ROWS.c if c.name != "n")],
        select(
            bindparam("workspace_id", type_=Integer),
            end_user.c.user_key,
            *(c for c in _COMPLETION_ROWS.c if c.name != "n"),
        )
        .select_from(
            _COMPLETION_ROWS.join(
                end_user,
                (end_user.c.workspace_id == bindparam("workspace_id", type_=Integer))
                & (end_user.c.external_id == _COMPLETION_ROWS.c.user_id),
            )
        )
        .order_by(_COMPLETION_ROWS.c.n),
    )
    .on_conflict_do_nothing()
    .returning(*_RETURNED)
)


_MOVE_BACK = (
    update(checklist_item_progress)
    .where(
        checklist_item_progress.c.workspace_id == bindparam("workspace_id"),
        checklist_item_progress.c.user_key == key_of(),
        checklist_item_progress.c.checklist_key == bindparam("checklist_key"),
        checklist_item_progress.c.item_id == bindparam("item_id"),
        checklist_item_progress.c.completed_at > bindparam("completed_at"),
    )
    .values(
        completed_at=bindparam("completed_at"),
        completed_by=bindparam("completed_by"),
        event_id=bindparam("event_id"),
    )
)


def store_completions(
    conn: Connection, workspace_id: int, completions: Iterable[ItemCompletion]
) -> list[tuple[str, ItemRef]]:
    """Store item completions: insert those that do not exist yet, move back those stored
    with a later time; return the ones that are new."""
    unique = improvements(completions, {})
    if not unique:
        return []
    # Sorted so that concurrent transactions take row locks in one order.
    ordered = sorted(unique, key=lambda c: (c.user_id, c.ref.checklist, c.ref.item))
    rows: list[Any] = []
    if conn.is_sqlite:
        for c in ordered:
            rows += conn.all(_STORE_ONE, _params(workspace_id, c))
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
    new = {(user, ItemRef(checklist, item)) for user, checklist, item in rows}
    # Those that were stored already, with a later time (`ordered`: in lock order).
    earlier = [_params(workspace_id, c) for c in ordered if (c.user_id, c.ref) not in new]
    if earlier:
        conn.many(_MOVE_BACK, earlier)
    return sorted(new)


def _params(workspace_id: int, c: ItemCompletion) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "user_id": c.user_id,
        "checklist_key": c.ref.checklist,
        "item_id": c.ref.item,
        "completed_at": c.at,
        "completed_by": c.by,
        "event_id": c.event_id,
    }
