"""Reading one user's progress, and catching up checklist items whose rules are already met
by stored events (for example when a checklist is published after the events happened)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlmodel import Session, col
from sqlmodel import select as orm_select

from shirube.models import ChecklistItemProgress, SurveyAnswer, TourProgress, TourStepSeen
from shirube.services.completions import (
    Completion,
    nth_event_completion,
    read_counts,
    store_completions,
)
from shirube.services.published import EventRule, ItemRef, PublishedChecklist
from shirube.timeutil import isoformat

_TOURS = TourProgress.__table__  # type: ignore[attr-defined]
_ITEMS = ChecklistItemProgress.__table__  # type: ignore[attr-defined]
_SURVEYS = SurveyAnswer.__table__  # type: ignore[attr-defined]


@dataclass
class UserProgress:
    """Rows as plain Core rows: this runs on every widget session, and ORM objects cost
    several times more to build than the query itself."""

    tours: dict[str, Row[Any]] = field(default_factory=dict)
    items: dict[ItemRef, datetime] = field(default_factory=dict)
    surveys: set[str] = field(default_factory=set)


# Built once: on this hot path building a statement costs more than running it.
_USER_ITEMS = select(_ITEMS.c.checklist_key, _ITEMS.c.item_id, _ITEMS.c.completed_at).where(
    _ITEMS.c.workspace_id == bindparam("ws"), _ITEMS.c.user_id == bindparam("user")
)
_USER_TOURS = select(_TOURS).where(
    _TOURS.c.workspace_id == bindparam("ws"), _TOURS.c.user_id == bindparam("user")
)
_USER_SURVEYS = select(_SURVEYS.c.checklist_key).where(
    _SURVEYS.c.workspace_id == bindparam("ws"), _SURVEYS.c.user_id == bindparam("user")
)


def _load_items(session: Session, workspace_id: int, user_id: str) -> dict[ItemRef, datetime]:
    rows = session.connection().execute(_USER_ITEMS, {"ws": workspace_id, "user": user_id})
    return {ItemRef(c, i): at for c, i, at in rows}


def load_progress(session: Session, workspace_id: int, user_id: str) -> UserProgress:
    conn = session.connection()
    params = {"ws": workspace_id, "user": user_id}
    tours = conn.execute(_USER_TOURS, params)
    surveys = conn.execute(_USER_SURVEYS, params)
    return UserProgress(
        tours={row.tour_key: row for row in tours},
        items=_load_items(session, workspace_id, user_id),
        surveys=set(surveys.scalars()),
    )


def catch_up(
    session: Session,
    workspace_id: int,
    user_id: str,
    checklists: Collection[PublishedChecklist],
    progress: UserProgress,
) -> None:
    """Complete items whose event-count or tour rule is met but not yet recorded."""
    pending: list[tuple[ItemRef, Any]] = []
    for published in checklists:
        for item in published.doc.items:
            ref = ItemRef(published.doc.key, item.id)
            if ref not in progress.items and item.completion.type in ("event", "tour_completed"):
                pending.append((ref, item.completion))
    if not pending:
        return
    names = {rule.event for _, rule in pending if rule.type == "event"}
    counts = read_counts(session, workspace_id, [(user_id, name) for name in names])
    completions: list[Completion] = []
    for ref, rule in pending:
        if rule.type == "event":
            if counts.get((user_id, rule.event), 0) >= rule.min_count:
                completions.append(
                    nth_event_completion(
                        session, workspace_id, user_id, rule.event, EventRule(ref, rule.min_count)
                    )
                )
            continue
        tour = progress.tours.get(rule.tour)
        if tour is not None and tour.status == "completed" and tour.completed_at is not None:
            completions.append(Completion(user_id, ref, tour.completed_at, "tour_completed"))
    if not completions:
        return
    store_completions(session, workspace_id, completions)
    progress.items = _load_items(session, workspace_id, user_id)


def tour_progress_json(tour: Row[Any] | None) -> dict[str, Any]:
    if tour is None:
        return {"status": "not_started", "current_step": None}
    return {
        "status": tour.status,
        "current_step": tour.current_step,
        "version": tour.version,
        "started_at": isoformat(tour.started_at),
        "completed_at": isoformat(tour.completed_at),
        "dismissed_at": isoformat(tour.dismissed_at),
    }


def checklist_progress_json(
    checklist: PublishedChecklist, progress: UserProgress
) -> dict[str, Any]:
    completed: dict[str, str | None] = {}
    last: datetime | None = None
    for item in checklist.doc.items:
        at = progress.items.get(ItemRef(checklist.doc.key, item.id))
        if at is not None:
            completed[item.id] = isoformat(at)
            last = at if last is None else max(last, at)
    total = len(checklist.doc.items)
    return {
        "completed_items": completed,
        "completed": len(completed),
        "total": total,
        "completed_at": isoformat(last) if len(completed) == total else None,
        "survey_answered": checklist.doc.key in progress.surveys,
    }


def steps_seen(
    session: Session, workspace_id: int, user_id: str
) -> dict[str, dict[str, str | None]]:
    seen: dict[str, dict[str, str | None]] = {}
    for row in session.exec(
        orm_select(TourStepSeen)
        .where(TourStepSeen.workspace_id == workspace_id, TourStepSeen.user_id == user_id)
        .order_by(col(TourStepSeen.first_seen_at))
    ):
        seen.setdefault(row.tour_key, {})[row.step_id] = isoformat(row.first_seen_at)
    return seen
