"""Checklist item completions: stored once per user and item (first time wins), and the
reads the completion rules need (event counts, the N-th event)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from shirube.services.published import EventRule, ItemRef
from shirube.services.sql import Raw, placeholders

# SQLite allows 32,766 bound parameters per statement; PostgreSQL 65,535.
ROWS_PER_STATEMENT = 500


@dataclass(frozen=True)
class Completion:
    user_id: str
    ref: ItemRef
    at: datetime
    by: str
    event_id: str | None = None


def completed_refs(
    raw: Raw, workspace_id: int, user_ids: Collection[str]
) -> set[tuple[str, ItemRef]]:
    if not user_ids:
        return set()
    users = sorted(user_ids)
    rows = raw.all(
        "SELECT user_id, checklist_key, item_id FROM checklist_item_progress"
        f" WHERE workspace_id = ? AND user_id IN ({placeholders(len(users))})",
        (workspace_id, *users),
    )
    return {(u, ItemRef(c, i)) for u, c, i in rows}


# Every name a published rule counts is a counted name (services/counted_events.py).
_NTH_EVENT = (
    "SELECT timestamp, event_id FROM counted_event"
    " WHERE workspace_id = ? AND user_id = ? AND name = ?"
    " ORDER BY timestamp, event_id LIMIT 1 OFFSET ?"
)
_COUNTED = "SELECT count(*) FROM counted_event WHERE workspace_id = ? AND user_id = ? AND name = ?"
# The same from the event log, through the index by name: slower. For a pair whose counted
# events fall short of its counter, which only an instance of an older version writing events
# after migration 0005 could cause (the upgrade notes say to stop them first).
_NTH_EVENT_IN_LOG = (
    "SELECT timestamp, id FROM event WHERE workspace_id = ? AND name = ? AND user_id = ?"
    " ORDER BY timestamp, id LIMIT 1 OFFSET ?"
)


def nth_event_completion(
    raw: Raw, workspace_id: int, user_id: str, name: str, rule: EventRule, stored: int
) -> Completion:
    """An item that needs N events completed when the N-th one happened (for time to
    completion), not when the latest one arrived. `stored`: the pair's counter."""
    offset = rule.min_count - 1
    (counted,) = raw.one(_COUNTED, (workspace_id, user_id, name))
    if counted >= stored:
        row = raw.one(_NTH_EVENT, (workspace_id, user_id, name, offset))
    else:
        row = raw.one(_NTH_EVENT_IN_LOG, (workspace_id, name, user_id, offset))
    if row is None:
        raise RuntimeError(f"fewer {name!r} events stored for {user_id!r} than counted")
    timestamp, event_id = row
    at = raw.dt_in(timestamp)
    assert at is not None
    return Completion(user_id, rule.ref, at, "event", event_id)


def read_counts(
    raw: Raw, workspace_id: int, pairs: Collection[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """How many events of each (user, name) pair are stored."""
    wanted = set(pairs)
    if not wanted:
        return {}
    users = sorted({user_id for user_id, _ in wanted})
    names = sorted({name for _, name in wanted})
    # Two plain IN lists use the primary key on both engines; a row-value IN does not.
    rows = raw.all(
        "SELECT user_id, name, count FROM user_event_count WHERE workspace_id = ?"
        f" AND user_id IN ({placeholders(len(users))}) AND name IN ({placeholders(len(names))})",
        (workspace_id, *users, *names),
    )
    return {(user_id, name): count for user_id, name, count in rows if (user_id, name) in wanted}


def store_completions(
    raw: Raw, workspace_id: int, completions: Iterable[Completion]
) -> list[tuple[str, ItemRef]]:
    """Insert item completions that do not exist yet; return the ones that are new."""
    unique: dict[tuple[str, ItemRef], Completion] = {}
    for completion in completions:
        unique.setdefault((completion.user_id, completion.ref), completion)
    if not unique:
        return []
    # Sorted so that concurrent transactions take row locks in one order.
    ordered = sorted(unique.values(), key=lambda c: (c.user_id, c.ref.checklist, c.ref.item))
    inserted: list[tuple[str, ItemRef]] = []
    for start in range(0, len(ordered), ROWS_PER_STATEMENT):
        chunk = ordered[start : start + ROWS_PER_STATEMENT]
        params: list[object] = []
        for c in chunk:
            params += (
                workspace_id, c.user_id, c.ref.checklist, c.ref.item, raw.dt_out(c.at), c.by,
                c.event_id,
            )  # fmt: skip
        rows = raw.all(
            "INSERT INTO checklist_item_progress (workspace_id, user_id, checklist_key, item_id,"
            f" completed_at, completed_by, event_id) VALUES {placeholders(7, len(chunk))}"
            " ON CONFLICT DO NOTHING RETURNING user_id, checklist_key, item_id",
            params,
        )
        inserted += ((user, ItemRef(checklist, item)) for user, checklist, item in rows)
    return sorted(inserted)
