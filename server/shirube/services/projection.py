"""Progress as a projection of events, applied inside the ingestion transaction.

Every write here is a single conditional statement (insert-if-absent, or update-if-newer), so
two transactions advancing the same user's progress at once can neither lose a step nor move
a status backwards: statuses only climb not_started → in_progress → dismissed → completed.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, String, Update, bindparam, case, func, literal_column, or_, update

from shirube.content.rules import CompletionRule, Recompute, Row
from shirube.services.completions import (
    ItemCompletion,
    completion_times,
    improvements,
    store_completions,
)
from shirube.services.published import ItemRef, PublishedContent
from shirube.services.rule_facts import active_minutes, load_facts
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


# Events the projection turns into progress rows (besides the ones completion rules count).
PROGRESS_EVENTS = frozenset((*TOUR_EVENT_STATUS, "$survey_answered", "$checklist_item_completed"))


def changes_progress(row: dict[str, Any], published: PublishedContent) -> bool:
    """Whether projecting `row` may change what a session shows of its user's progress (then
    the user's `progress_rev` moves on: services/progress_cache.py). May say yes for an event
    that changes nothing in the end, never no for one that changes something."""
    name = row["name"]
    if name in PROGRESS_EVENTS:
        return True
    triggered = published.triggers.get(name)
    if not triggered:
        return False
    new = [Row(row["timestamp"], row["id"], name, row["properties"])]
    return any(rule.rule_type.from_batch(rule, new) is not None for _, rule in triggered)


def project(
    conn: Connection,
    workspace_id: int,
    rows: list[dict[str, Any]],
    source: str,
    published: PublishedContent,
    outbox: Outbox | None = None,
) -> list[tuple[str, ItemRef]]:
    """Project the batch's new events; the webhooks they call for go to `outbox`."""
    # Each user's events in time order (the first completion of a tour, the first event of a
    # rule), users one after the other: a batch writes the progress rows of its users in one
    # order, so that two batches on two instances never wait for each other in a cycle.
    rows = sorted(rows, key=lambda row: (row["user_id"], row["timestamp"], row["id"]))
    outbox = outbox or Outbox(workspace_id, 0)
    tours_done_before = outbox.tours_completed_before(conn, rows)
    completions: list[ItemCompletion] = []
    tour_completions: dict[tuple[str, str], dict[str, Any]] = {}
    rule_hits: dict[tuple[str, ItemRef], list[Row]] = {}
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
        elif name == "$checklist_item_completed":
            ref = ItemRef(props["checklist"], props["item"])
            # The widget may only tick items meant to be ticked by hand; the host backend
            # (secret key) may mark any item, e.g. when a CS manager does it for a customer.
            if ref in published.manual_items or (source == "server" and ref in published.all_items):
                completions.append(
                    ItemCompletion(row["user_id"], ref, row["timestamp"], "manual", row["id"])
                )
        triggered = published.triggers.get(name)
        if triggered:
            new = Row(row["timestamp"], row["id"], name, props)
            for ref, _ in triggered:
                rule_hits.setdefault((row["user_id"], ref), []).append(new)
    for (user_id, tour_key), row in tour_completions.items():
        if (user_id, tour_key) not in tours_done_before:
            outbox.tour_completed(row, published)
    if not rule_hits and not completions:
        return []
    # The users' stored completions, read once: what the batch moves back or adds to.
    users = {c.user_id for c in completions} | {user_id for user_id, _ in rule_hits}
    stored = completion_times(conn, workspace_id, users)
    completions.extend(_rule_completions(conn, workspace_id, rule_hits, published, stored))
    completed_items = store_completions(conn, workspace_id, improvements(completions, stored))
    outbox.checklists_completed(conn, published.checklists, completed_items)
    return completed_items


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
    if name == "$tour_step_seen" and not props.get("parked"):
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


def _rule_completions(
    conn: Connection,
    workspace_id: int,
    hits: dict[tuple[str, ItemRef], list[Row]],
    published: PublishedContent,
    stored: dict[tuple[str, ItemRef], datetime],
) -> list[ItemCompletion]:
    """What the batch's events (`hits`: each user's new events of each item's trigger names,
    in event time order) complete: decided by each rule type from the batch alone where it
    can, else from the user's stored facts (the batch's events are stored already).
    `stored`: the users' item completions."""
    completions: list[ItemCompletion] = []
    recompute: list[tuple[str, ItemRef, CompletionRule]] = []
    for (user_id, ref), new in hits.items():
        rule = published.rules[ref]
        answer = rule.rule_type.from_batch(rule, new)
        if isinstance(answer, Recompute):
            recompute.append((user_id, ref, rule))
        elif answer is not None:
            completions.append(ItemCompletion(user_id, ref, answer.at, rule.type, answer.event_id))
    if not recompute:
        return completions
    # An item done already changes only if the batch brings an event earlier than its time.
    todo = [
        (user_id, ref, rule)
        for user_id, ref, rule in recompute
        if (user_id, ref) not in stored or hits[(user_id, ref)][0].at < stored[(user_id, ref)]
    ]
    if not todo:
        return completions
    names = set().union(*(rule.rule_type.counted_names(rule) for _, _, rule in todo))
    users = {user_id for user_id, _, _ in todo}
    minutes = active_minutes(rule for _, _, rule in todo)
    facts = load_facts(conn, workspace_id, users, names, minutes=minutes, items=False)
    for user_id, ref, rule in todo:
        found = rule.rule_type.evaluate(rule, facts[user_id], published.eval_context)
        if found is not None:
            completions.append(ItemCompletion(user_id, ref, found.at, rule.type, found.event_id))
    return completions
