"""Reading one user's progress, and catching up checklist items whose rules are already met
by stored events (for example when a checklist is published after the events happened)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, literal_column, null, select, union_all, update

from shirube.content.rules import EvalContext
from shirube.errors import NotFound
from shirube.services.completions import (
    ItemCompletion,
    derived_completions,
    read_counts,
    store_completions,
)
from shirube.services.identify import read_user
from shirube.services.published import ItemRef, PublishedCache, PublishedChecklist
from shirube.services.rule_facts import active_minutes, load_facts
from shirube.services.user_keys import key_of, same_user
from shirube.services.webhook_outbox import Outbox
from shirube.services.workspaces import Workspace
from shirube.storage import Connection, in_values, stored
from shirube.storage.tables import (
    checklist_item_progress,
    end_user,
    survey_answer,
    tour_progress,
    tour_step_seen,
    user_event_count,
)
from shirube.timeutil import utcnow


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
    # The session answer's tours and checklists as last encoded from this progress, for a
    # progress kept between sessions (services/session_answer.py); never copied.
    encoded: Any = field(default=None, compare=False, repr=False)


_NULL = null()


def _tours() -> Select[Any]:
    tp = tour_progress
    return select(
        literal_column("0").label("kind"),
        tp.c.tour_key.label("key"),
        tp.c.status.label("a"),
        tp.c.current_step.label("b"),
        tp.c.version.label("number"),
        stored(tp.c.started_at).label("at1"),
        stored(tp.c.completed_at).label("at2"),
        stored(tp.c.dismissed_at).label("at3"),
    ).where(tp.c.workspace_id == bindparam("workspace_id"), tp.c.user_id == bindparam("user_id"))


def _of_user(table: Any) -> tuple[Any, ...]:
    return (
        table.c.workspace_id == bindparam("workspace_id"),
        same_user(table, key_of(), bindparam("user_id")),
    )


_ITEMS = select(
    literal_column("1"),
    checklist_item_progress.c.checklist_key,
    checklist_item_progress.c.item_id,
    _NULL,
    _NULL,
    stored(checklist_item_progress.c.completed_at),
    _NULL,
    _NULL,
).where(*_of_user(checklist_item_progress))
_SURVEYS = select(
    literal_column("2"), survey_answer.c.checklist_key, _NULL, _NULL, _NULL, _NULL, _NULL, _NULL
).where(*_of_user(survey_answer))
_COUNTS = select(
    literal_column("3"),
    user_event_count.c.name,
    _NULL,
    _NULL,
    user_event_count.c.count,
    _NULL,
    _NULL,
    _NULL,
).where(*_of_user(user_event_count), in_values(user_event_count.c.name, "names"))
# One round trip for everything a session shows: tours, items, surveys (and event counts).
_PROGRESS = union_all(_tours(), _ITEMS, _SURVEYS)
_PROGRESS_WITH_COUNTS = union_all(_tours(), _ITEMS, _SURVEYS, _COUNTS)


def read_progress(
    conn: Connection, workspace_id: int, user_id: str, count_names: Collection[str] = ()
) -> UserProgress:
    params: dict[str, Any] = {"workspace_id": workspace_id, "user_id": user_id}
    statement = _PROGRESS
    if count_names:
        statement = _PROGRESS_WITH_COUNTS
        params["names"] = list(count_names)
    progress = UserProgress(counts={} if count_names else None)
    iso = conn.iso_or_none
    for kind, key, a, b, number, at1, at2, at3 in conn.all(statement, params):
        if kind == 0:
            progress.tours[key] = TourRow(a, b, number, iso(at1), iso(at2), iso(at3))
        elif kind == 1:
            progress.items[ItemRef(key, a)] = Stamp(at1, conn.iso(at1))
        elif kind == 2:
            progress.surveys.add(key)
        else:
            assert progress.counts is not None
            progress.counts[key] = number
    return progress


def pending_completions(
    conn: Connection,
    workspace_id: int,
    user_id: str,
    checklists: Collection[PublishedChecklist],
    progress: UserProgress,
    context: EvalContext | None = None,
) -> list[ItemCompletion]:
    """Items whose rule stored facts meet but that are not recorded yet (reads only).
    `context`: the published content's (for rules on other checklists)."""
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
        names = {rule.event for _, rule in pending if rule.event is not None}
        found = read_counts(conn, workspace_id, [(user_id, name) for name in names])
        counts = {name: count for (_, name), count in found.items()}
    # An event rule whose name was not sent `min_count` times cannot be met: no read for it.
    possible = [
        (ref, rule)
        for ref, rule in pending
        if rule.event is None or counts.get(rule.event, 0) >= (rule.min_count or 1)
    ]
    if not possible:
        return []
    names = set().union(*(rule.rule_type.counted_names(rule) for _, rule in possible))
    minutes = active_minutes(rule for _, rule in possible)
    facts = load_facts(
        conn, workspace_id, [user_id], names, minutes=minutes, tours=False, items=False
    )[user_id]
    for key, tour in progress.tours.items():
        if tour.status == "completed" and tour.completed_at is not None:
            facts.tours_completed[key] = datetime.fromisoformat(tour.completed_at)
    facts.items = {
        (ref.checklist, ref.item): datetime.fromisoformat(at.iso) for ref, at in done.items()
    }
    return derived_completions(facts, possible, context or EvalContext())


def record_completions(
    conn: Connection,
    workspace_id: int,
    user_id: str,
    completions: list[ItemCompletion],
    progress: UserProgress,
    checklists: Mapping[str, PublishedChecklist] | None = None,
    webhook_kinds: int = 0,
) -> int:
    """Store caught-up items (inside a write transaction) and show them in `progress`; read
    back, because where another writer got there first its time is the one kept. Checklists
    of `checklists` that these items complete go to the webhook outbox when the workspace's
    endpoints receive `checklist.completed` (`webhook_kinds`); returns how many messages."""
    # The user's row before the items, as ingestion locks them (its user upsert comes before
    # the projection): the other order deadlocked against a batch completing the same item on
    # PostgreSQL (tests/api/test_progress_kept.py). The webhook outbox counts on that lock too.
    conn.run(BUMP_PROGRESS_REV, {"workspace_id": workspace_id, "user_id": user_id})
    stored = store_completions(conn, workspace_id, completions)
    progress.items = read_progress(conn, workspace_id, user_id).items
    outbox = Outbox(workspace_id, webhook_kinds)
    outbox.checklists_completed(conn, checklists or {}, stored)
    return outbox.write(conn, utcnow())


# Every change to what a session shows of a user's progress moves this on (progress_cache.py).
BUMP_PROGRESS_REV = (
    update(end_user)
    .where(
        end_user.c.workspace_id == bindparam("workspace_id"),
        end_user.c.external_id == bindparam("user_id"),
    )
    .values(progress_rev=end_user.c.progress_rev + 1)
)


def catch_up(
    conn: Connection,
    workspace_id: int,
    user_id: str,
    checklists: Collection[PublishedChecklist],
    progress: UserProgress,
    webhook_kinds: int = 0,
    context: EvalContext | None = None,
) -> None:
    """Record the items of `checklists` whose rules stored facts already meet."""
    completions = pending_completions(conn, workspace_id, user_id, checklists, progress, context)
    if completions:
        by_key = {checklist.doc.key: checklist for checklist in checklists}
        with conn.transaction():
            record_completions(
                conn, workspace_id, user_id, completions, progress, by_key, webhook_kinds
            )


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


_STEPS_SEEN = (
    select(
        tour_step_seen.c.tour_key, tour_step_seen.c.step_id, stored(tour_step_seen.c.first_seen_at)
    )
    .where(*_of_user(tour_step_seen))
    .order_by(tour_step_seen.c.first_seen_at)
)


def steps_seen(
    conn: Connection, workspace_id: int, user_id: str
) -> dict[str, dict[str, str | None]]:
    seen: dict[str, dict[str, str | None]] = {}
    params = {"workspace_id": workspace_id, "user_id": user_id}
    for tour_key, step_id, first_seen_at in conn.all(_STEPS_SEEN, params):
        seen.setdefault(tour_key, {})[step_id] = conn.iso(first_seen_at)
    return seen


def user_progress(
    conn: Connection, cache: PublishedCache, workspace: Workspace, user_id: str
) -> dict[str, Any]:
    """One user's progress as the server API shows it: every tour and checklist published
    now, with what the user did (the same answer as the widget's session gives: items whose
    rules stored events meet count as done, and are recorded)."""
    if read_user(conn, workspace.id, user_id) is None:
        raise NotFound("user")
    published = cache.get(conn, workspace.id, workspace.content_revision)
    progress = read_progress(conn, workspace.id, user_id)
    catch_up(
        conn,
        workspace.id,
        user_id,
        published.checklists.values(),
        progress,
        workspace.webhook_kinds,
        published.eval_context,
    )
    seen = steps_seen(conn, workspace.id, user_id)
    tour_keys = sorted(set(progress.tours) | set(published.tours))
    return {
        "user_id": user_id,
        "tours": [
            {
                "key": key,
                **tour_progress_json(progress.tours.get(key)),
                "steps_seen": seen.get(key, {}),
            }
            for key in tour_keys
        ],
        "checklists": [
            {"key": key, **checklist_progress_json(checklist, progress)}
            for key, checklist in sorted(published.checklists.items())
        ],
    }
