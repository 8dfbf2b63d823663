"""Checklist item completions: stored once per user and item (first time wins), and the
reads the completion rules need (event counts, the N-th event)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlmodel import Session

from shirube.models import ChecklistItemProgress, Event, UserEventCount
from shirube.services.published import EventRule, ItemRef
from shirube.services.sql import insert_for

_COUNTS = UserEventCount.__table__  # type: ignore[attr-defined]
_EVENTS = Event.__table__  # type: ignore[attr-defined]
# Two plain IN lists use the primary key on both engines; a row-value IN does not.
_COUNTS_FOR = select(_COUNTS.c.user_id, _COUNTS.c.name, _COUNTS.c.count).where(
    _COUNTS.c.workspace_id == bindparam("ws"),
    _COUNTS.c.user_id.in_(bindparam("users", expanding=True)),
    _COUNTS.c.name.in_(bindparam("names", expanding=True)),
)


@dataclass(frozen=True)
class Completion:
    user_id: str
    ref: ItemRef
    at: datetime
    by: str
    event_id: str | None = None


def completed_refs(
    session: Session, workspace_id: int, user_ids: Collection[str]
) -> set[tuple[str, ItemRef]]:
    if not user_ids:
        return set()
    table = ChecklistItemProgress.__table__  # type: ignore[attr-defined]
    stmt = select(table.c.user_id, table.c.checklist_key, table.c.item_id).where(
        table.c.workspace_id == workspace_id, table.c.user_id.in_(sorted(user_ids))
    )
    return {(u, ItemRef(c, i)) for u, c, i in session.connection().execute(stmt)}


def nth_event_completion(
    session: Session, workspace_id: int, user_id: str, name: str, rule: EventRule
) -> Completion:
    """An item that needs N events completed when the N-th one happened (for time to
    completion), not when the latest one arrived."""
    stmt = (
        select(_EVENTS.c.timestamp, _EVENTS.c.id)
        .where(
            _EVENTS.c.workspace_id == workspace_id,
            _EVENTS.c.user_id == user_id,
            _EVENTS.c.name == name,
        )
        .order_by(_EVENTS.c.timestamp, _EVENTS.c.id)
        .offset(rule.min_count - 1)
        .limit(1)
    )
    timestamp, event_id = session.connection().execute(stmt).one()
    return Completion(user_id, rule.ref, timestamp, "event", event_id)


def read_counts(
    session: Session, workspace_id: int, pairs: Collection[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """How many events of each (user, name) pair are stored."""
    wanted = set(pairs)
    if not wanted:
        return {}
    params = {
        "ws": workspace_id,
        "users": sorted({user_id for user_id, _ in wanted}),
        "names": sorted({name for _, name in wanted}),
    }
    return {
        (user_id, name): count
        for user_id, name, count in session.connection().execute(_COUNTS_FOR, params)
        if (user_id, name) in wanted
    }


def store_completions(
    session: Session, workspace_id: int, completions: Iterable[Completion]
) -> list[tuple[str, ItemRef]]:
    """Insert item completions that do not exist yet; return the ones that are new."""
    unique: dict[tuple[str, ItemRef], Completion] = {}
    for completion in completions:
        unique.setdefault((completion.user_id, completion.ref), completion)
    if not unique:
        return []
    table = ChecklistItemProgress.__table__  # type: ignore[attr-defined]
    stmt = (
        insert_for(session, ChecklistItemProgress)
        .on_conflict_do_nothing()
        .returning(table.c.user_id, table.c.checklist_key, table.c.item_id)
    )
    # Sorted so that concurrent transactions take row locks in one order.
    ordered = sorted(unique.values(), key=lambda c: (c.user_id, c.ref.checklist, c.ref.item))
    rows = [
        {
            "workspace_id": workspace_id,
            "user_id": c.user_id,
            "checklist_key": c.ref.checklist,
            "item_id": c.ref.item,
            "completed_at": c.at,
            "completed_by": c.by,
            "event_id": c.event_id,
        }
        for c in ordered
    ]
    inserted = session.connection().execute(stmt, rows).all()
    return sorted((user, ItemRef(checklist, item)) for user, checklist, item in inserted)
