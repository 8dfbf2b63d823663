"""Progress as a projection of events, applied inside the ingestion transaction.

Every write here is a single conditional statement (insert-if-absent, or update-if-newer), so
two transactions advancing the same user's progress at once can neither lose a step nor move
a status backwards: statuses only climb not_started → in_progress → dismissed → completed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, literal, or_, update
from sqlmodel import Session

from shirube.models import SurveyAnswer, TourProgress, TourStepSeen
from shirube.services.completions import (
    Completion,
    completed_refs,
    nth_event_completion,
    read_counts,
    store_completions,
)
from shirube.services.published import ItemRef, PublishedContent, url_without_query
from shirube.services.sql import earliest, insert_for
from shirube.timeutil import utcnow

STATUS_RANK = {"not_started": 0, "in_progress": 1, "dismissed": 2, "completed": 3}
TOUR_EVENT_STATUS = {
    "$tour_started": "in_progress",
    "$tour_step_seen": "in_progress",
    "$tour_dismissed": "dismissed",
    "$tour_completed": "completed",
}

_TOURS = TourProgress.__table__  # type: ignore[attr-defined]


@dataclass
class ProjectionResult:
    completed_items: list[tuple[str, ItemRef]] = field(default_factory=list)


def _rank(column: Any) -> Any:
    return case(*((column == name, rank) for name, rank in STATUS_RANK.items()), else_=0)


def project(
    session: Session,
    workspace_id: int,
    rows: list[dict[str, Any]],
    source: str,
    published: PublishedContent,
) -> ProjectionResult:
    rows = sorted(rows, key=lambda row: (row["timestamp"], row["id"]))
    completions: list[Completion] = []
    tour_completions: dict[tuple[str, str], dict[str, Any]] = {}
    event_rule_hits: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        name = row["name"]
        props = row["properties"]
        if name in TOUR_EVENT_STATUS:
            _apply_tour_event(session, workspace_id, row)
            if name == "$tour_completed":
                tour_completions.setdefault((row["user_id"], props["tour"]), row)
        elif name == "$survey_answered":
            _store_survey(session, workspace_id, row)
        elif name == "$page_viewed":
            path = url_without_query(props["url"])
            completions.extend(
                Completion(row["user_id"], ref, row["timestamp"], "page_visited", row["id"])
                for pattern, ref in published.page_rules
                if pattern.match(path)
            )
        elif name == "$checklist_item_completed":
            ref = ItemRef(props["checklist"], props["item"])
            # The widget may only tick items meant to be ticked by hand; the host backend
            # (secret key) may mark any item, e.g. when a CS manager does it for a customer.
            if ref in published.manual_items or (source == "server" and ref in published.all_items):
                completions.append(
                    Completion(row["user_id"], ref, row["timestamp"], "manual", row["id"])
                )
        if name in published.event_rules:
            event_rule_hits.setdefault((row["user_id"], name), row)
    for (user_id, tour_key), row in tour_completions.items():
        completions.extend(
            Completion(user_id, ref, row["timestamp"], "tour_completed", row["id"])
            for ref in published.tour_rules.get(tour_key, ())
        )
    completions.extend(_event_rule_completions(session, workspace_id, event_rule_hits, published))
    return ProjectionResult(completed_items=store_completions(session, workspace_id, completions))


def _apply_tour_event(session: Session, workspace_id: int, row: dict[str, Any]) -> None:
    props = row["properties"]
    user_id, tour_key, ts = row["user_id"], props["tour"], row["timestamp"]
    now = utcnow()
    session.connection().execute(
        insert_for(session, TourProgress).on_conflict_do_nothing(),
        {
            "workspace_id": workspace_id,
            "user_id": user_id,
            "tour_key": tour_key,
            "status": "not_started",
            "updated_at": now,
        },
    )
    status = TOUR_EVENT_STATUS[row["name"]]
    values: dict[str, Any] = {
        "status": case(
            (_rank(_TOURS.c.status) < STATUS_RANK[status], literal(status)),
            else_=_TOURS.c.status,
        ),
        "started_at": earliest(_TOURS.c.started_at, ts),
        "updated_at": now,
    }
    if row["name"] == "$tour_completed":
        values["completed_at"] = earliest(_TOURS.c.completed_at, ts)
    elif row["name"] == "$tour_dismissed":
        values["dismissed_at"] = earliest(_TOURS.c.dismissed_at, ts)
    step = props.get("step")
    if step is not None:
        # The step of the newest event wins, however batches interleave.
        newer = or_(_TOURS.c.current_step_at.is_(None), _TOURS.c.current_step_at <= ts)
        values["current_step"] = case((newer, literal(step)), else_=_TOURS.c.current_step)
        values["current_step_at"] = case((newer, ts), else_=_TOURS.c.current_step_at)
        if props.get("version") is not None:
            # The version the user is on is the one of their newest step, like current_step.
            values["version"] = case((newer, props["version"]), else_=_TOURS.c.version)
    elif props.get("version") is not None:
        values["version"] = func.coalesce(_TOURS.c.version, props["version"])
    session.connection().execute(
        update(_TOURS)
        .where(
            _TOURS.c.workspace_id == workspace_id,
            _TOURS.c.user_id == user_id,
            _TOURS.c.tour_key == tour_key,
        )
        .values(values)
    )
    if row["name"] == "$tour_step_seen":
        stmt = insert_for(session, TourStepSeen)
        seen = TourStepSeen.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            stmt.on_conflict_do_update(
                index_elements=["workspace_id", "user_id", "tour_key", "step_id"],
                set_={"first_seen_at": earliest(seen.c.first_seen_at, stmt.excluded.first_seen_at)},
            ),
            {
                "workspace_id": workspace_id,
                "user_id": user_id,
                "tour_key": tour_key,
                "step_id": step,
                "first_seen_at": ts,
            },
        )


def _store_survey(session: Session, workspace_id: int, row: dict[str, Any]) -> None:
    props = row["properties"]
    session.connection().execute(
        insert_for(session, SurveyAnswer).on_conflict_do_nothing(),
        {
            "workspace_id": workspace_id,
            "event_id": row["id"],
            "user_id": row["user_id"],
            "checklist_key": props["checklist"],
            "rating": props["rating"],
            "comment": props.get("comment"),
            "answered_at": row["timestamp"],
        },
    )


def _event_rule_completions(
    session: Session,
    workspace_id: int,
    hits: dict[tuple[str, str], dict[str, Any]],
    published: PublishedContent,
) -> list[Completion]:
    if not hits:
        return []
    completions: list[Completion] = []
    needs_count: list[tuple[str, str]] = []
    for (user_id, name), row in hits.items():
        for rule in published.event_rules[name]:
            if rule.min_count == 1:
                completions.append(
                    Completion(user_id, rule.ref, row["timestamp"], "event", row["id"])
                )
            else:
                needs_count.append((user_id, name))
    if not needs_count:
        return completions
    counts = read_counts(session, workspace_id, needs_count)
    reached = [
        (user_id, name, rule)
        for user_id, name in needs_count
        for rule in published.event_rules[name]
        if rule.min_count > 1 and counts.get((user_id, name), 0) >= rule.min_count
    ]
    done = completed_refs(session, workspace_id, {user_id for user_id, _, _ in reached})
    for user_id, name, rule in reached:
        if (user_id, rule.ref) not in done:
            completions.append(nth_event_completion(session, workspace_id, user_id, name, rule))
    return completions
