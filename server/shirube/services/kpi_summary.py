"""An objective's headline figures and its weekly cohorts (definitions: docs/kpis.md).

Counted in the database over the audience rows the filter keeps (kpi_user joined with
end_user): one aggregate statement for the counts and shares, one that picks the two
nearest-rank percentiles by row number, one grouped by first-seen and completion weeks for
the cohorts. Reading one row per user and counting in Python cost about a second at 100,000
users, most of it decoding times (bench/kpis.py). Durations are whole microseconds
(`kpi_sql.micros_between`), so every figure equals the one counted in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, and_, bindparam, case, func, null, or_, select, text, union_all
from sqlalchemy import cast as sql_cast
from sqlalchemy.sql.elements import ColumnElement

from shirube.services.kpi_companies import company_counts, tally_companies, users_filtered
from shirube.services.kpi_model import (
    INCOMPLETE_AFTER_DAYS,
    CohortRow,
    KpiFilter,
    Objective,
    Summary,
    WeekFigure,
)
from shirube.services.kpi_segment import audience, resolve_segment, week_start
from shirube.services.kpi_sql import MICROS, micros_between, period_start, seconds_of
from shirube.storage import Connection
from shirube.storage.tables import end_user, kpi_user, membership
from shirube.storage.types import UTCDateTime

_first = end_user.c.first_seen_at
_started = kpi_user.c.started_at
_completed = kpi_user.c.completed_at
_KU = kpi_user.c
_duration = micros_between(_first, _completed)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _time(name: str) -> Any:
    return bindparam(name, type_=UTCDateTime())


def _count(condition: ColumnElement[Any]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _week_columns(name: str) -> list[Any]:
    """Users first seen in the week bound as `name`_from/`name`_to, and those completed."""
    cohort = and_(_first >= _time(f"{name}_from"), _first < _time(f"{name}_to"))
    return [_count(cohort), _count(and_(cohort, _completed.is_not(None)))]


def _late_columns(days: int) -> list[Any]:
    """Users first seen at least `days` ago, and those of them not completed `days` after."""
    old_enough = _first <= _time(f"old_{days}")
    late = or_(_completed.is_(None), _duration > days * 86_400 * MICROS)
    return [_count(old_enough), _count(and_(old_enough, late))]


def _percentiles(
    conn: Connection, workspace_id: int, objective: Objective, filt: KpiFilter, completed: int
) -> dict[int, float | None]:
    """Nearest-rank p50 and p90 of the completed users' durations: the ⌈P × n / 100⌉-th
    smallest, picked by row number (one sort in the database, two rows read)."""
    ranks = {percent: max(1, -(-percent * completed // 100)) for percent in (50, 90)}
    if not completed:
        return dict.fromkeys(ranks)
    rank = func.row_number().over(order_by=_duration).label("rank")
    query, segment = audience(objective, workspace_id, filt, _duration.label("micros"), rank)
    ordered = query.where(_completed.is_not(None)).subquery("ordered")
    picked = select(ordered.c.rank, ordered.c.micros).where(
        ordered.c.rank.in_([bindparam("p50"), bindparam("p90")])
    )
    params = {**segment.params, "p50": ranks[50], "p90": ranks[90]}
    found = {int(r): seconds_of(micros) for r, micros in conn.all(picked, params)}
    return {percent: found.get(r) for percent, r in ranks.items()}


def _percentiles_and_companies(
    conn: Connection, workspace_id: int, objective: Objective, filt: KpiFilter, completed: int
) -> tuple[dict[int, float | None], set[str]]:
    """`_percentiles` and `companies_with_users` for a filter on users (and not on company
    traits: then both count the same users) in one statement: the users kept are read once
    into a materialized CTE, which both parts then read (two passes over the audience were
    about half of the overview with a user segment, bench/README.md)."""
    ranks = {percent: max(1, -(-percent * completed // 100)) for percent in (50, 90)}
    query, segment = audience(
        objective, workspace_id, filt, _KU.user_id.label("user_id"), _duration.label("micros")
    )
    kept = query.cte("kept").prefix_with("MATERIALIZED")
    rank = func.row_number().over(order_by=kept.c.micros).label("rank")
    ordered = select(kept.c.micros, rank).where(kept.c.micros.is_not(None)).subquery("ordered")
    picked = select(
        ordered.c.rank, ordered.c.micros, sql_cast(null(), String).label("company_id")
    ).where(ordered.c.rank.in_([bindparam("p50"), bindparam("p90")]))
    member = and_(
        membership.c.workspace_id == bindparam("workspace_id"),
        membership.c.user_id == kept.c.user_id,
    )
    companies = (
        select(null(), null(), membership.c.company_id)
        .select_from(kept.join(membership, member))
        .group_by(membership.c.company_id)
    )
    params = {**segment.params, "p50": ranks[50], "p90": ranks[90]}
    found: dict[int, float | None] = {}
    with_users: set[str] = set()
    for row_rank, micros, company_id in conn.all(union_all(picked, companies), params):
        if company_id is None:
            found[int(row_rank)] = seconds_of(micros)
        else:
            with_users.add(company_id)
    return {percent: found.get(r) for percent, r in ranks.items()}, with_users


def _summary_columns(now: datetime) -> tuple[list[Any], dict[str, Any]]:
    """The headline counts as sums over audience rows, and their parameters."""
    this_monday = week_start(now)
    last_monday = this_monday - timedelta(days=7)
    columns = [
        func.count(),
        # Completing counts as starting (an objective of one part is started and completed
        # by the same event).
        _count(or_(_started.is_not(None), _completed.is_not(None))),
        _count(_completed.is_not(None)),
        *_week_columns("this"),
        *_week_columns("last"),
    ]
    for days in INCOMPLETE_AFTER_DAYS:
        columns += _late_columns(days)
    params = {
        "this_from": _midnight(this_monday),
        "this_to": _midnight(this_monday + timedelta(days=7)),
        "last_from": _midnight(last_monday),
        "last_to": _midnight(this_monday),
        **{f"old_{days}": now - timedelta(days=days) for days in INCOMPLETE_AFTER_DAYS},
    }
    return columns, params


def _summary_of(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    now: datetime,
    row: list[int],
) -> Summary:
    """The Summary from `_summary_columns`' sums; the percentiles and companies read here."""
    this_monday = week_start(now)
    total, started, completed, this_users, this_done, last_users, last_done, *late = row
    incomplete: dict[int, float | None] = {}
    for index, days in enumerate(INCOMPLETE_AFTER_DAYS):
        old, still = late[2 * index], late[2 * index + 1]
        incomplete[days] = still / old if old else None
    if completed and users_filtered(filt) and not filt.company_traits:
        percentiles, with_users = _percentiles_and_companies(
            conn, workspace_id, objective, filt, completed
        )
        companies, onboarded = tally_companies(conn, workspace_id, objective, filt, with_users)
    else:
        percentiles = _percentiles(conn, workspace_id, objective, filt, completed)
        companies, onboarded = company_counts(conn, workspace_id, objective, filt)
    return Summary(
        objective=objective,
        audience=total,
        started=started,
        completed=completed,
        p50_seconds=percentiles[50],
        p90_seconds=percentiles[90],
        incomplete_after=incomplete,
        this_week=WeekFigure(this_monday, this_users, this_done),
        last_week=WeekFigure(this_monday - timedelta(days=7), last_users, last_done),
        companies=companies,
        companies_onboarded=onboarded,
    )


def summary(
    conn: Connection, workspace_id: int, objective: Objective, filt: KpiFilter, now: datetime
) -> Summary:
    filt = resolve_segment(conn, workspace_id, filt)
    columns, params = _summary_columns(now)
    query, segment = audience(objective, workspace_id, filt, *columns)
    row = [int(value or 0) for value in conn.one(query, {**segment.params, **params}) or ()]
    return _summary_of(conn, workspace_id, objective, filt, now, row)


def summary_and_cohorts(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    now: datetime,
    weeks: int = 12,
) -> tuple[Summary, list[CohortRow]]:
    """`summary` and `cohorts` (the same figures) from one pass over the audience rather
    than two: the summary's sums grouped by the cohort's first-seen and completion weeks
    (NULL outside the cohorts' weeks), added up here. A dashboard page runs both; the pass
    is most of each (bench/kpis.py)."""
    figures, rows, _ = summary_cohorts_and(conn, workspace_id, objective, filt, now, weeks, [])
    return figures, rows


def summary_cohorts_and(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    now: datetime,
    weeks: int,
    sums: list[Any],
) -> tuple[Summary, list[CohortRow], list[int]]:
    """`summary_and_cohorts`, and the totals of more `sums` over the same audience rows
    counted in the same pass (a goal's rules: kpi_overview.py)."""
    filt = resolve_segment(conn, workspace_id, filt)
    this_monday = week_start(now)
    first = this_monday - timedelta(days=7 * (weeks - 1))
    in_cohorts = and_(_first >= _time("cohort_from"), _first < _time("cohort_to"))
    seen_week = case((in_cohorts, period_start(_first, "week")))
    done_week = case((in_cohorts, period_start(_completed, "week")))
    columns, params = _summary_columns(now)
    query, segment = audience(objective, workspace_id, filt, seen_week, done_week, *columns, *sums)
    # By position: PostgreSQL would not match the CASE's bound parameters again.
    query = query.group_by(text("1"), text("2"))
    params = {
        **segment.params,
        **params,
        "cohort_from": _midnight(first),
        "cohort_to": _midnight(this_monday + timedelta(days=7)),
    }
    totals = [0] * (len(columns) + len(sums))
    groups = []
    for seen_text, done_text, *values in conn.all(query, params):
        counts = [int(value or 0) for value in values]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        if seen_text is not None:
            groups.append((seen_text, done_text, counts[0]))
    summed = totals[: len(columns)]
    figures = _summary_of(conn, workspace_id, objective, filt, now, summed)
    return figures, _cohort_rows(groups, first, this_monday, weeks), totals[len(columns) :]


def cohorts(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    now: datetime,
    weeks: int = 12,
) -> list[CohortRow]:
    """The last `weeks` first-seen weeks (this one included), oldest first."""
    filt = resolve_segment(conn, workspace_id, filt)
    this_monday = week_start(now)
    first = this_monday - timedelta(days=7 * (weeks - 1))
    seen_week = period_start(_first, "week")
    done_week = period_start(_completed, "week")
    query, segment = audience(objective, workspace_id, filt, seen_week, done_week, func.count())
    query = query.where(_first >= _time("cohort_from"), _first < _time("cohort_to")).group_by(
        seen_week, done_week
    )
    params = {
        **segment.params,
        "cohort_from": _midnight(first),
        "cohort_to": _midnight(this_monday + timedelta(days=7)),
    }
    return _cohort_rows(conn.all(query, params), first, this_monday, weeks)


def _cohort_rows(
    groups: Iterable[Any], first: date, this_monday: date, weeks: int
) -> list[CohortRow]:
    """The cohorts from (first-seen week, completion week, users) groups."""
    # users[monday]; done[monday][n]: completed in week n of the cohort (n < 0: before it,
    # when a skewed clock stamped the completion before the first seen).
    users: dict[date, int] = {first + timedelta(days=7 * n): 0 for n in range(weeks)}
    done: dict[date, dict[int, int]] = {monday: {} for monday in users}
    for seen_text, done_text, count in groups:
        monday = date.fromisoformat(seen_text)
        if monday not in users:
            continue
        users[monday] += count
        if done_text is not None:
            n = (date.fromisoformat(done_text) - monday).days // 7
            done[monday][n] = done[monday].get(n, 0) + count
    result = []
    for monday, count in users.items():
        elapsed = (this_monday - monday).days // 7
        by_week = done[monday]
        counts = [sum(c for n, c in by_week.items() if n <= week) for week in range(elapsed + 1)]
        result.append(CohortRow(monday, count, counts))
    return result
