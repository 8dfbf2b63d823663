"""Reading one user's progress, and catching up checklist items whose rules are already met
by stored events (for example when a checklist is published after the events happened)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlmodel import Session

from shirube.services.completions import (
    Completion,
    nth_event_completion,
    read_counts,
    store_completions,
)
from shirube.services.published import EventRule, ItemRef, PublishedChecklist
from shirube.services.sql import Raw, placeholders


class TourRow(NamedTuple):
    """Times as the API writes them (ISO 8601, UTC, `Z`)."""

    status: str
    current_step: str | None
    version: int | None
    started_at: str | None
    completed_at: str | None
    dismissed_at: str | None


class Stamp(NamedTuple):
    stored: Any  # as the database returns it: orders like the time it stands for
    iso: str


@dataclass
class UserProgress:
    tours: dict[str, TourRow] = field(default_factory=dict)
    items: dict[ItemRef, Stamp] = field(default_factory=dict)
    surveys: set[str] = field(default_factory=set)
    # Stored event counts of the names that completion rules use, when read with the rest.
    counts: dict[str, int] | None = None


# One round trip for everything a session shows: tours, items, surveys (and event counts).
_PROGRESS = (
    "SELECT 0, tour_key, status, current_step, version, started_at, completed_at, dismissed_at"
    " FROM tour_progress WHERE workspace_id = ? AND user_id = ?"
    " UNION ALL SELECT 1, checklist_key, item_id, NULL, NULL, completed_at, NULL, NULL"
    " FROM checklist_item_progress WHERE workspace_id = ? AND user_id = ?"
    " UNION ALL SELECT 2, checklist_key, NULL, NULL, NULL, NULL, NULL, NULL"
    " FROM survey_answer WHERE workspace_id = ? AND user_id = ?"
)
_COUNTS = (
    " UNION ALL SELECT 3, name, NULL, NULL, count, NULL, NULL, NULL"
    " FROM user_event_count WHERE workspace_id = ? AND user_id = ? AND name IN ({})"
)


@cache
def _progress_with_counts(names: int) -> str:
    """The same string object every time: the driver's statement cache hashes the text."""
    return _PROGRESS + _COUNTS.format(placeholders(names))


def read_progress(
    raw: Raw, workspace_id: int, user_id: str, count_names: Collection[str] = ()
) -> UserProgress:
    sql, params = _PROGRESS, [workspace_id, user_id] * 3
    if count_names:
        sql = _progress_with_counts(len(count_names))
        params += [workspace_id, user_id, *count_names]
    progress = UserProgress(counts={} if count_names else None)
    iso = raw.iso_or_none
    for kind, key, a, b, number, at1, at2, at3 in raw.all(sql, params):
        if kind == 0:
            progress.tours[key] = TourRow(a, b, number, iso(at1), iso(at2), iso(at3))
        elif kind == 1:
            progress.items[ItemRef(key, a)] = Stamp(at1, raw.iso(at1))
        elif kind == 2:
            progress.surveys.add(key)
        else:
            assert progress.counts is not None
            progress.counts[key] = number
    return progress


def pending_completions(
    raw: Raw,
    workspace_id: int,
    user_id: str,
    checklists: Collection[PublishedChecklist],
    progress: UserProgress,
) -> list[Completion]:
    """Items whose event-count or tour rule is met but not yet recorded (reads only)."""
    done = progress.items
    pending = [
        (ref, rule)
        for published in checklists
        for ref, rule in published.derived_items
        if ref not in done
    ]
    if not pending:
        return []
    counts = progress.counts
    if counts is None:
        names = {rule.event for _, rule in pending if rule.type == "event"}
        found = read_counts(raw, workspace_id, [(user_id, name) for name in names])
        counts = {name: count for (_, name), count in found.items()}
    completions: list[Completion] = []
    for ref, rule in pending:
        if rule.type == "event":
            stored = counts.get(rule.event, 0)
            if stored >= rule.min_count:
                event_rule = EventRule(ref, rule.min_count)
                completions.append(
                    nth_event_completion(raw, workspace_id, user_id, rule.event, event_rule, stored)
                )
            continue
        tour = progress.tours.get(rule.tour)
        if tour is not None and tour.status == "completed" and tour.completed_at is not None:
            at = datetime.fromisoformat(tour.completed_at)
            completions.append(Completion(user_id, ref, at, "tour_completed"))
    return completions


def record_completions(
    raw: Raw, workspace_id: int, user_id: str, completions: list[Completion], progress: UserProgress
) -> None:
    """Store caught-up items (inside a write transaction) and show them in `progress`; read
    back, because where another writer got there first its time is the one kept."""
    # The user's row before the items, as ingestion locks them (its user upsert comes before
    # the projection): the other order deadlocked against a batch completing the same item on
    # PostgreSQL (tests/api/test_progress_kept.py).
    raw.run(BUMP_PROGRESS_REV, (workspace_id, user_id))
    store_completions(raw, workspace_id, completions)
    progress.items = read_progress(raw, workspace_id, user_id).items


# Every change to what a session shows of a user's progress moves this on (progress_cache.py).
BUMP_PROGRESS_REV = (
    "UPDATE end_user SET progress_rev = progress_rev + 1 WHERE workspace_id = ? AND external_id = ?"
)


# Session-based entry points (the server API's progress endpoint) ---------------------------


def load_progress(session: Session, workspace_id: int, user_id: str) -> UserProgress:
    return read_progress(Raw.of_session(session), workspace_id, user_id)


def catch_up(
    session: Session,
    workspace_id: int,
    user_id: str,
    checklists: Collection[PublishedChecklist],
    progress: UserProgress,
) -> None:
    raw = Raw.of_session(session)
    completions = pending_completions(raw, workspace_id, user_id, checklists, progress)
    if completions:
        record_completions(raw, workspace_id, user_id, completions, progress)


def tour_progress_json(tour: TourRow | None) -> dict[str, Any]:
    if tour is None:
        return {"status": "not_started", "current_step": None}
    return {
        "status": tour.status,
        "current_step": tour.current_step,
        "version": tour.version,
        "started_at": tour.started_at,
        "completed_at": tour.completed_at,
        "dismissed_at": tour.dismissed_at,
    }


def checklist_progress_json(
    checklist: PublishedChecklist, progress: UserProgress
) -> dict[str, Any]:
    completed: dict[str, str | None] = {}
    last: Stamp | None = None
    items = progress.items
    key = checklist.doc.key
    for item in checklist.doc.items:
        at = items.get(ItemRef(key, item.id))
        if at is not None:
            completed[item.id] = at.iso
            if last is None or at.stored > last.stored:
                last = at
    total = len(checklist.doc.items)
    return {
        "completed_items": completed,
        "completed": len(completed),
        "total": total,
        "completed_at": last.iso if last is not None and len(completed) == total else None,
        "survey_answered": checklist.doc.key in progress.surveys,
    }


def steps_seen(
    session: Session, workspace_id: int, user_id: str
) -> dict[str, dict[str, str | None]]:
    raw = Raw.of_session(session)
    seen: dict[str, dict[str, str | None]] = {}
    for tour_key, step_id, first_seen_at in raw.all(
        "SELECT tour_key, step_id, first_seen_at FROM tour_step_seen"
        " WHERE workspace_id = ? AND user_id = ? ORDER BY first_seen_at",
        (workspace_id, user_id),
    ):
        seen.setdefault(tour_key, {})[step_id] = raw.iso(first_seen_at)
    return seen
