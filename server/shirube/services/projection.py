"""Progress as a projection of events, applied inside the ingestion transaction.

Every write here is a single conditional statement (insert-if-absent, or update-if-newer), so
two transactions advancing the same user's progress at once can neither lose a step nor move
a status backwards: statuses only climb not_started → in_progress → dismissed → completed.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Integer, String, Update, bindparam, case, func, literal_column, or_, update

from shirube.services.completions import (
    ItemCompletion,
    completed_refs,
    nth_event_completion,
    read_counts,
    store_completions,
)
from shirube.services.known_rows import KnownRows
from shirube.services.published import ItemRef, PublishedContent
from shirube.services.webhook_outbox import Outbox
from shirube.storage import Connection, earliest, insert, stored_value
from shirube.storage.tables import survey_answer, tour_progress, tour_step_seen
from shirube.timeutil import utcnow

STATUS_RANK = {"not_started": 0, "in_progress": 1, "dismissed": 2, "completed": 3}
TOUR_EVENT_STATUS = {
    "$tour_started": "in_progress",
    "$tour_step_seen": "in_progress",
    "$tour_dismissed": "dismissed",
    "$tour_completed": "completed",
}


@dataclass
class ProjectionResult:
    completed_items: list[tuple[str, ItemRef]] = field(default_factory=list)
    # Item completions that exist once the transaction commits (see KnownRows).
    existing: list[Hashable] = field(default_factory=list)


def done_key(workspace_id: int, user_id: str, ref: ItemRef) -> Hashable:
    return ("done", workspace_id, user_id, ref)


# Events the projection turns into progress rows (besides the ones completion rules count).
PROGRESS_EVENTS = frozenset((*TOUR_EVENT_STATUS, "$survey_answered", "$checklist_item_completed"))


def changes_progress(row: dict[str, Any], published: PublishedContent) -> bool:
    """Whether projecting `row` may change what a session shows of its user's progress (then
    the user's `progress_rev` moves on: services/progress_cache.py). May say yes for an event
    that changes nothing in the end, never no for one that changes something."""
    name = row["name"]
    if name in PROGRESS_EVENTS or name in published.event_rules:
        return True
    return name == "$page_viewed" and bool(published.page_items(row["properties"]["url"]))


def project(
    conn: Connection,
    workspace_id: int,
    rows: list[dict[str, Any]],
    source: str,
    published: PublishedContent,
    known: KnownRows,
    outbox: Outbox | None = None,
) -> ProjectionResult:
    """Project the batch's new events; the webhooks they call for go to `outbox`."""
    # Each user's events in time order (the first completion of a tour, the first event of a
    # rule), users one after the other: a batch writes the progress rows of its users in one
    # order, so that two batches on two instances never wait for each other in a cycle.
    rows = sorted(rows, key=lambda row: (row["user_id"], row["timestamp"], row["id"]))
    outbox = outbox or Outbox(workspace_id, 0)
    tours_done_before = outbox.tours_completed_before(conn, rows)
    completions: list[ItemCompletion] = []
    tour_completions: dict[tuple[str, str], dict[str, Any]] = {}
    event_rule_hits: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        name = row["name"]
        props = row["properties"]
        if name in TOUR_EVENT_STATUS:
            _apply_tour_event(conn, workspace_id, row)
            if name == "$tour_completed":
                tour_completions.setdefault((row["user_id"], props["tour"]), row)
        elif name == "$survey_answered":
            _store_survey(conn, workspace_id, row)
            outbox.survey_answered(row, published)
        elif name == "$page_viewed":
            completions.extend(
                ItemCompletion(row["user_id"], ref, row["timestamp"], "page_visited", row["id"])
                for ref in published.page_items(props["url"])
            )
        elif name == "$checklist_item_completed":
            ref = ItemRef(props["checklist"], props["item"])
            # The widget may only tick items meant to be ticked by hand; the host backend
            # (secret key) may mark any item, e.g. when a CS manager does it for a customer.
            if ref in published.manual_items or (source == "server" and ref in published.all_items):
                completions.append(
                    ItemCompletion(row["user_id"], ref, row["timestamp"], "manual", row["id"])
                )
        if name in published.event_rules:
            event_rule_hits.setdefault((row["user_id"], name), row)
    for (user_id, tour_key), row in tour_completions.items():
        if (user_id, tour_key) not in tours_done_before:
            outbox.tour_completed(row, published)
        completions.extend(
            ItemCompletion(user_id, ref, row["timestamp"], "tour_completed", row["id"])
            for ref in published.tour_rules.get(tour_key, ())
        )
    completions.extend(
        _event_rule_completions(conn, workspace_id, event_rule_hits, published, known)
    )
    # Items known to be complete already need no insert-if-absent (first time wins anyway).
    todo = [c for c in completions if done_key(workspace_id, c.user_id, c.ref) not in known]
    completed_items = store_completions(conn, workspace_id, todo)
    outbox.checklists_completed(conn, published.checklists, completed_items)
    return ProjectionResult(
        completed_items=completed_items,
        existing=[done_key(workspace_id, c.user_id, c.ref) for c in todo],
    )


_RANK = case(
    *(
        (tour_progress.c.status == literal_column(f"'{name}'"), literal_column(str(rank)))
        for name, rank in STATUS_RANK.items()
    ),
    else_=literal_column("0"),
)
_AT = stored_value("at")
# Whether this event is newer than the one that set the current step (every SET expression
# sees the row as it was, so each compares with the old step time).
_NEWER_STEP = or_(tour_progress.c.current_step_at.is_(None), tour_progress.c.current_step_at <= _AT)
_OF_TOUR = (
    tour_progress.c.workspace_id == bindparam("workspace_id"),
    tour_progress.c.user_id == bindparam("user_id"),
    tour_progress.c.tour_key == bindparam("tour_key"),
)
_START_TOUR = (
    insert(tour_progress)
    .values(
        workspace_id=bindparam("workspace_id"),
        user_id=bindparam("user_id"),
        tour_key=bindparam("tour_key"),
        status=literal_column("'not_started'"),
        updated_at=bindparam("now"),
    )
    .on_conflict_do_nothing()
)
_new_step = insert(tour_step_seen).values(
    workspace_id=bindparam("workspace_id"),
    user_id=bindparam("user_id"),
    tour_key=bindparam("tour_key"),
    step_id=bindparam("step"),
    first_seen_at=stored_value("at"),
)
_SEE_STEP = _new_step.on_conflict_do_update(
    index_elements=["workspace_id", "user_id", "tour_key", "step_id"],
    set_={
        "first_seen_at": earliest(tour_step_seen.c.first_seen_at, _new_step.excluded.first_seen_at)
    },
)


@cache
def _tour_update(name: str, has_step: bool, has_version: bool) -> Update:
    """The UPDATE for one kind of tour event (a handful of shapes, each built once)."""
    columns = tour_progress.c
    rank = bindparam("rank", type_=Integer)
    values: dict[str, Any] = {
        "status": case((rank > _RANK, bindparam("status")), else_=columns.status),
        "started_at": earliest(columns.started_at, _AT),
        "updated_at": bindparam("now"),
    }
    if name == "$tour_completed":
        values["completed_at"] = earliest(columns.completed_at, _AT)
    elif name == "$tour_dismissed":
        values["dismissed_at"] = earliest(columns.dismissed_at, _AT)
    step = bindparam("step", type_=String)
    version = bindparam("version", type_=Integer)
    if has_step:
        values["current_step"] = case((_NEWER_STEP, step), else_=columns.current_step)
        values["current_step_at"] = case((_NEWER_STEP, _AT), else_=columns.current_step_at)
        if has_version:
            # The version the user is on is the one of their newest step, like current_step.
            values["version"] = case((_NEWER_STEP, version), else_=columns.version)
    elif has_version:
        values["version"] = func.coalesce(columns.version, version)
    return update(tour_progress).where(*_OF_TOUR).values(values)


def _apply_tour_event(conn: Connection, workspace_id: int, row: dict[str, Any]) -> None:
    """One conditional UPDATE: the status only climbs, first times stay first, the step of
    the newest event wins, whatever order concurrent batches commit in."""
    props = row["properties"]
    name = row["name"]
    step, version = props.get("step"), props.get("version")
    status = TOUR_EVENT_STATUS[name]
    params = {
        "workspace_id": workspace_id,
        "user_id": row["user_id"],
        "tour_key": props["tour"],
        "now": utcnow(),
        "at": row["db_timestamp"],
        "rank": STATUS_RANK[status],
        "status": status,
        "step": step,
        "version": version,
    }
    conn.run(_START_TOUR, params)
    conn.run(_tour_update(name, step is not None, version is not None), params)
    if name == "$tour_step_seen":
        conn.run(_SEE_STEP, params)


_STORE_SURVEY = (
    insert(survey_answer)
    .values(
        workspace_id=bindparam("workspace_id"),
        event_id=bindparam("event_id"),
        user_id=bindparam("user_id"),
        checklist_key=bindparam("checklist_key"),
        rating=bindparam("rating"),
        comment=bindparam("comment"),
        answered_at=stored_value("answered_at"),
    )
    .on_conflict_do_nothing()
)


def _store_survey(conn: Connection, workspace_id: int, row: dict[str, Any]) -> None:
    props = row["properties"]
    conn.run(
        _STORE_SURVEY,
        {
            "workspace_id": workspace_id,
            "event_id": row["id"],
            "user_id": row["user_id"],
            "checklist_key": props["checklist"],
            "rating": props["rating"],
            "comment": props.get("comment"),
            "answered_at": row["db_timestamp"],
        },
    )


def _event_rule_completions(
    conn: Connection,
    workspace_id: int,
    hits: dict[tuple[str, str], dict[str, Any]],
    published: PublishedContent,
    known: KnownRows,
) -> list[ItemCompletion]:
    if not hits:
        return []
    completions: list[ItemCompletion] = []
    needs_count: list[tuple[str, str]] = []
    for (user_id, name), row in hits.items():
        for rule in published.event_rules[name]:
            if done_key(workspace_id, user_id, rule.ref) in known:
                continue
            if rule.min_count == 1:
                completions.append(
                    ItemCompletion(user_id, rule.ref, row["timestamp"], "event", row["id"])
                )
            else:
                needs_count.append((user_id, name))
    if not needs_count:
        return completions
    counts = read_counts(conn, workspace_id, needs_count)
    reached = [
        (user_id, name, rule)
        for user_id, name in needs_count
        for rule in published.event_rules[name]
        if rule.min_count > 1 and counts.get((user_id, name), 0) >= rule.min_count
    ]
    done = completed_refs(conn, workspace_id, {user_id for user_id, _, _ in reached})
    for user_id, name, rule in reached:
        if (user_id, rule.ref) not in done:
            stored = counts[(user_id, name)]
            completions.append(
                nth_event_completion(conn, workspace_id, user_id, name, rule, stored)
            )
    return completions
