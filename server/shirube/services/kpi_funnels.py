"""Where users drop: a tour's funnel step by step, and how many audience users completed each
part of an objective (a checklist's items, a tour's steps, a goal's rules). Definitions:
docs/kpis.md.

A funnel counts the users the filter keeps who were shown the tour (being shown a step means
being in its audience then), not the tour's audience now: a user who saw step 2 before a
change of audience still dropped or went on there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, case, func, literal, select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select

from shirube.services.kpi_model import FunnelStep, ItemRate, KpiFilter, Objective
from shirube.services.kpi_objectives import Part, parts, published
from shirube.services.kpi_segment import audience, filtered_users, json_property
from shirube.storage import Connection
from shirube.storage.tables import (
    checklist_item_progress,
    end_user,
    event,
    kpi_user,
    tour_progress,
    tour_step_seen,
    user_event_count,
)

_seen = tour_step_seen.c
_progress = tour_progress.c


def _step_index(steps: list[Part], column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A step id's position in the published order (-1: a step no longer published)."""
    return case({step.id: index for index, step in enumerate(steps)}, value=column, else_=-1)


def _shown_and_advanced(
    conn: Connection, workspace_id: int, key: str, steps: list[Part], filt: KpiFilter
) -> dict[str, tuple[int, int]]:
    """Per step, users shown it and those who went on (a later step shown, or the tour
    completed). Each user's farthest step is a window over their rows, which the primary key
    (workspace, user, tour, step) reads in user order: one pass, no grouped derived table
    joined back (a second pass and a sort)."""
    users, segment = filtered_users(workspace_id, filt)
    params = {**segment.params, "tour": key}
    index = _step_index(steps, _seen.step_id)
    per_row = (
        select(
            _seen.step_id.label("step_id"),
            index.label("position"),
            func.max(index).over(partition_by=_seen.user_id).label("top"),
            _progress.completed_at.label("completed_at"),
        )
        .select_from(
            tour_step_seen.join(
                tour_progress,
                and_(
                    _progress.workspace_id == _seen.workspace_id,
                    _progress.user_id == _seen.user_id,
                    _progress.tour_key == _seen.tour_key,
                ),
                isouter=True,
            )
        )
        .where(_seen.workspace_id == bindparam("workspace_id"), _seen.tour_key == bindparam("tour"))
    )
    if segment.by_user:
        per_row = per_row.where(_seen.user_id.in_(users.scalar_subquery()))
    rows = per_row.subquery("per_row")
    went_on = case(((rows.c.top > rows.c.position) | rows.c.completed_at.is_not(None), 1), else_=0)
    query: Select[Any] = select(rows.c.step_id, func.count(), func.sum(went_on)).group_by(
        rows.c.step_id
    )
    return {step: (shown, int(advanced or 0)) for step, shown, advanced in conn.all(query, params)}


def _by_step_property(
    conn: Connection, workspace_id: int, name: str, key: str, filt: KpiFilter
) -> dict[str, int]:
    """Users with an event `name` of the tour, by the step its properties name."""
    users, segment = filtered_users(workspace_id, filt)
    step = json_property(event.c.properties, "step")
    query: Select[Any, Any] = (
        select(step, func.count(func.distinct(event.c.user_id)))
        .where(
            event.c.workspace_id == bindparam("workspace_id"),
            event.c.name == literal(name),
            json_property(event.c.properties, "tour") == bindparam("tour"),
        )
        .group_by(step)
    )
    if segment.by_user:
        query = query.where(event.c.user_id.in_(users.scalar_subquery()))
    return {
        step_id: count
        for step_id, count in conn.all(query, {**segment.params, "tour": key})
        if step_id is not None
    }


def funnel(
    conn: Connection, workspace_id: int, tour_key: str, filt: KpiFilter, locale: str = "en"
) -> list[FunnelStep]:
    """The published tour's steps in order."""
    _, document = published(conn, workspace_id, "tour", tour_key)
    steps = parts("tour", document, locale)
    shown = _shown_and_advanced(conn, workspace_id, tour_key, steps, filt)
    dismissed = _by_step_property(conn, workspace_id, "$tour_dismissed", tour_key, filt)
    missing = _by_step_property(conn, workspace_id, "$target_missing", tour_key, filt)
    return [
        FunnelStep(
            step.id,
            step.title,
            *shown.get(step.id, (0, 0)),
            dismissed.get(step.id, 0),
            missing.get(step.id, 0),
        )
        for step in steps
    ]


# Item rates --------------------------------------------------------------------------------


def _done_by(part: Part) -> tuple[Any, list[Any]] | None:
    """How a goal rule's completion is read from stored rows: (the table joined on the user,
    its conditions); None where nothing stored says it per user (see item_rates)."""
    rule = part.rule or {}
    if rule.get("type") == "tour_completed":
        return tour_progress, [
            _progress.tour_key == rule["tour"],
            _progress.completed_at.is_not(None),
        ]
    if rule.get("type") == "checklist_completed":
        other = kpi_user.alias("other")
        return other, [
            other.c.kind == "checklist",
            other.c.key == rule["checklist"],
            other.c.completed_at.is_not(None),
        ]
    if rule.get("type") == "event" and not rule.get("where") and not rule.get("within_days"):
        c = user_event_count.c
        return user_event_count, [c.name == rule["event"], c.count >= (rule.get("min_count") or 1)]
    return None


def _by_part(
    conn: Connection, workspace_id: int, objective: Objective, filt: KpiFilter
) -> dict[str, int] | None:
    """A checklist's or a tour's audience users per item or step, in one statement grouped by
    the part (every part is read from the same table); None for a goal."""
    if objective.kind == "checklist":
        c = checklist_item_progress.c
        table, part, conditions = (
            checklist_item_progress,
            c.item_id,
            [c.checklist_key == bindparam("key")],
        )
    elif objective.kind == "tour":
        table, part, conditions = (
            tour_step_seen,
            _seen.step_id,
            [_seen.tour_key == bindparam("key")],
        )
    else:
        return None
    query, segment = audience(objective, workspace_id, filt, part, func.count())
    on = and_(
        table.c.workspace_id == kpi_user.c.workspace_id,
        table.c.user_id == kpi_user.c.user_id,
        *conditions,
    )
    return dict(conn.all(query.join(table, on).group_by(part), segment.params))


def item_rates(
    conn: Connection, workspace_id: int, objective: Objective, filt: KpiFilter, locale: str = "en"
) -> list[ItemRate]:
    """A checklist's items, a tour's steps (users shown each), or a goal's rules. A goal's
    rules that filter events (`where`, `within_days`) or count pages or active time are left
    out: only the goal as a whole is kept per user (kpi_user)."""
    _, document = published(conn, workspace_id, objective.kind, objective.key)
    total_query, segment = audience(objective, workspace_id, filt, func.count())
    total = conn.scalar(total_query, segment.params) or 0
    by_part = _by_part(conn, workspace_id, objective, filt)
    rates = []
    for part in parts(objective.kind, document, locale):
        if by_part is not None:
            rates.append(ItemRate(part.id, part.title, by_part.get(part.id, 0), total))
            continue
        done_by = _done_by(part)
        if done_by is None:
            continue
        table, conditions = done_by
        query, segment = audience(objective, workspace_id, filt, func.count())
        on = and_(
            table.c.workspace_id == kpi_user.c.workspace_id,
            table.c.user_id == end_user.c.external_id,
            *conditions,
        )
        count = conn.scalar(query.join(table, on), segment.params) or 0
        rates.append(ItemRate(part.id, part.title, count, total))
    return rates
