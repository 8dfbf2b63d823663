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
from shirube.services.kpi_segment import audience, filtered_users, json_property, resolve_segment
from shirube.services.kpi_sql import in_set
from shirube.services.user_keys import same_user
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
    completed). One row per user first (farthest step, which steps were shown), grouped in
    the primary key's order (workspace, user, tour, step): no sort; then one lookup of the
    user's tour progress and a sum per step."""
    users, segment = filtered_users(workspace_id, filt)
    params: dict[str, Any] = {**segment.params, "tour": key}
    position = _step_index(steps, _seen.step_id)
    shown_columns = []
    for index, step in enumerate(steps):
        params[f"step_{index}"] = step.id
        shown = case((_seen.step_id == bindparam(f"step_{index}"), 1), else_=0)
        shown_columns.append(func.max(shown).label(f"shown_{index}"))
    per_user_query: Select[Any] = (
        select(_seen.user_id.label("user_id"), func.max(position).label("top"), *shown_columns)
        .where(_seen.workspace_id == bindparam("workspace_id"), _seen.tour_key == bindparam("tour"))
        .group_by(_seen.user_id)
    )
    if segment.by_user:
        per_user_query = per_user_query.where(in_set(_seen.user_id, users.scalar_subquery()))
    per_user = per_user_query.subquery("per_user")
    done = _progress.completed_at.is_not(None)
    sums = []
    for index in range(len(steps)):
        was_shown = per_user.c[f"shown_{index}"] == 1
        went_on = and_(was_shown, (per_user.c.top > index) | done)
        sums += [func.sum(case((was_shown, 1), else_=0)), func.sum(case((went_on, 1), else_=0))]
    if not sums:
        return {}
    query = select(*sums).select_from(
        per_user.join(
            tour_progress,
            and_(
                _progress.workspace_id == bindparam("workspace_id"),
                _progress.user_id == per_user.c.user_id,
                _progress.tour_key == bindparam("tour"),
            ),
            isouter=True,
        )
    )
    row = conn.one(query, params)
    counts = [int(value or 0) for value in (row or [0] * len(sums))]
    return {step.id: (counts[2 * i], counts[2 * i + 1]) for i, step in enumerate(steps)}


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
        query = query.where(in_set(event.c.user_id, users.scalar_subquery()))
    return {
        step_id: count
        for step_id, count in conn.all(query, {**segment.params, "tour": key})
        if step_id is not None
    }


def funnel(
    conn: Connection, workspace_id: int, tour_key: str, filt: KpiFilter, locale: str = "en"
) -> list[FunnelStep]:
    """The published tour's steps in order."""
    filt = resolve_segment(conn, workspace_id, filt)
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


def _done_by(part: Part) -> ColumnElement[Any] | None:
    """Whether the audience user (`kpi_user` joined with `end_user` in `audience`) completed
    a goal's rule, read from stored rows: an EXISTS on the table that says it per user; None
    where nothing stored says it (see item_rates)."""
    rule = part.rule or {}
    table: Any
    if rule.get("type") == "tour_completed":
        table, conditions = (
            tour_progress,
            [
                _progress.tour_key == rule["tour"],
                _progress.completed_at.is_not(None),
            ],
        )
    elif rule.get("type") == "checklist_completed":
        other = kpi_user.alias("other")
        table, conditions = (
            other,
            [
                other.c.kind == "checklist",
                other.c.key == rule["checklist"],
                other.c.completed_at.is_not(None),
            ],
        )
    elif rule.get("type") == "event" and not rule.get("where") and not rule.get("within_days"):
        c = user_event_count.c
        table = user_event_count
        conditions = [c.name == rule["event"], c.count >= (rule.get("min_count") or 1)]
    else:
        return None
    user = same_user(table, end_user.c.user_key, end_user.c.external_id)
    return (
        select(literal(1))
        .where(table.c.workspace_id == kpi_user.c.workspace_id, user, *conditions)
        .exists()
    )


def goal_rule_sums(part_list: list[Part]) -> list[tuple[Part, Any]]:
    """A goal's rules that stored rows say per user, each with its count over audience rows
    (`audience`'s FROM): for item_rates, or for a pass that counts other figures too
    (kpi_overview.py). Rules nothing stored says are left out (see item_rates)."""
    return [
        (part, func.sum(case((done, 1), else_=0)))
        for part in part_list
        if (done := _done_by(part)) is not None
    ]


def _by_part(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    part_list: list[Part],
) -> dict[str, int] | None:
    """A checklist's or a tour's audience users per item or step, in one statement (every
    part is read from the same table); None for a goal."""
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
    # A sum per part rather than GROUP BY part: no sort of every progress row.
    ids = [p.id for p in part_list]
    sums = [func.sum(case((part == bindparam(f"part_{n}"), 1), else_=0)) for n in range(len(ids))]
    if not sums:
        return {}
    query, segment = audience(objective, workspace_id, filt, *sums)
    user = same_user(table, end_user.c.user_key, kpi_user.c.user_id)
    on = and_(table.c.workspace_id == kpi_user.c.workspace_id, user, *conditions)
    params = {**segment.params, **{f"part_{n}": part_id for n, part_id in enumerate(ids)}}
    row = conn.one(query.join(table, on), params)
    return {part_id: int(value or 0) for part_id, value in zip(ids, row or [], strict=False)}


def item_rates(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    locale: str = "en",
    total: int | None = None,
) -> list[ItemRate]:
    """A checklist's items, a tour's steps (users shown each), or a goal's rules. A goal's
    rules that filter events (`where`, `within_days`) or count pages or active time are left
    out: only the goal as a whole is kept per user (kpi_user). `total`: the audience the
    filter keeps, when the caller counted it in the same transaction (the dashboard's
    summary), so that it is not counted again."""
    filt = resolve_segment(conn, workspace_id, filt)
    _, document = published(conn, workspace_id, objective.kind, objective.key)
    part_list = parts(objective.kind, document, locale)
    by_part = _by_part(conn, workspace_id, objective, filt, part_list)
    if by_part is not None:
        if total is None:
            total_query, segment = audience(objective, workspace_id, filt, func.count())
            total = conn.scalar(total_query, segment.params) or 0
        return [ItemRate(p.id, p.title, by_part.get(p.id, 0), total) for p in part_list]
    # A goal: every rule said per user counted in one pass with the total (an EXISTS each).
    kept = goal_rule_sums(part_list)
    counts = [count for _, count in kept]
    query, segment = audience(objective, workspace_id, filt, func.count(), *counts)
    row = conn.one(query, segment.params) or [0] * (len(kept) + 1)
    everyone = int(row[0] or 0)
    return [
        ItemRate(part.id, part.title, int(count or 0), everyone)
        for (part, _), count in zip(kept, row[1:], strict=True)
    ]
