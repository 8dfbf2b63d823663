"""The per-company table of an objective: every company of the workspace (those with no
audience user too), its share of completed users, when it was onboarded, its median time to
completion and last activity; sorted, searched and paginated (docs/kpis.md).

Without a filter on users the figures are the KPI worker's `kpi_company` rows. A filter on
users (first seen, user traits) changes who counts, so users, completed, median and last
activity are then computed from those users' `kpi_user` rows; when the company was onboarded
stays the company rule's (it is the company's, not the segment's). A filter on company
traits only keeps companies out. 5,000 companies are a few milliseconds of Python: sorting
and searching here keeps every sort key the same on both engines.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import and_, bindparam, func, select

from shirube.services.kpi_model import CompanyPage, CompanyRow, CompanySort, KpiFilter, Objective
from shirube.services.kpi_segment import Segment, audience, resolve_segment
from shirube.services.kpi_sql import micros_between, seconds_of, unindexed
from shirube.storage import Connection
from shirube.storage.tables import company, end_user, kpi_company, kpi_user, membership

_kc = kpi_company.c
_KPI_COMPANIES = select(
    _kc.company_id,
    _kc.users,
    _kc.completed,
    _kc.onboarded_at,
    _kc.median_seconds,
    _kc.last_activity_at,
).where(
    _kc.workspace_id == bindparam("workspace_id"),
    _kc.kind == bindparam("kind"),
    _kc.key == bindparam("key"),
)


def company_name(traits: Any) -> str | None:
    name = traits.get("name") if isinstance(traits, dict) else None
    return None if name is None else str(name)


def _companies(conn: Connection, workspace_id: int, filt: KpiFilter) -> dict[str, Any]:
    """The workspace's companies the filter's company traits keep: id -> traits."""
    segment = Segment(filt, {"workspace_id": workspace_id})
    query = select(company.c.external_id, company.c.traits).where(
        company.c.workspace_id == bindparam("workspace_id"), *segment.company_conditions()
    )
    return dict(conn.all(query, segment.params))


def _kept_users(objective: Objective, workspace_id: int, filt: KpiFilter, *columns: Any) -> Any:
    """The audience users the filter's user conditions keep (company traits left to the
    company rows), joined with their memberships: `SELECT columns`, and its segment."""
    query, segment = audience(objective, workspace_id, replace(filt, company_traits={}), *columns)
    query = query.join(
        membership,
        and_(
            membership.c.workspace_id == kpi_user.c.workspace_id,
            membership.c.user_id == kpi_user.c.user_id,
        ),
    )
    return query, segment


def _recomputed(
    conn: Connection, workspace_id: int, objective: Objective, filt: KpiFilter
) -> dict[str, CompanyRow]:
    """Per company, the figures of the audience users the filter keeps (company traits left
    to the company rows), grouped in the database; the median by row number per company."""
    company_id = unindexed(membership.c.company_id)
    query, segment = _kept_users(
        objective,
        workspace_id,
        filt,
        company_id,
        func.count(),
        func.count(kpi_user.c.completed_at),
        func.max(end_user.c.last_seen_at),
    )
    rows = {
        kept: CompanyRow(kept, None, users, completed, None, None, last_seen)
        for kept, users, completed, last_seen in conn.all(
            query.group_by(company_id), segment.params
        )
    }
    duration = micros_between(end_user.c.first_seen_at, kpi_user.c.completed_at)
    ranked, segment = _kept_users(
        objective,
        workspace_id,
        filt,
        company_id.label("company_id"),
        duration.label("micros"),
        func.row_number().over(partition_by=company_id, order_by=duration).label("rank"),
        func.count().over(partition_by=company_id).label("done"),
    )
    ordered = ranked.where(kpi_user.c.completed_at.is_not(None)).subquery("ordered")
    # The nearest-rank median: the ⌈n / 2⌉-th smallest of the company's n durations.
    medians = select(ordered.c.company_id, ordered.c.micros).where(
        ordered.c.rank == (ordered.c.done * 50 + 99) // 100
    )
    for kept, micros in conn.all(medians, segment.params):
        if kept in rows:
            rows[kept] = replace(rows[kept], median_seconds=seconds_of(micros))
    return rows


def company_counts(
    conn: Connection, workspace_id: int, objective: Objective, filt: KpiFilter
) -> tuple[int, int]:
    """How many companies `company_rows` lists with audience users, and how many of those
    are onboarded: counted in the database, without building the rows."""
    params = _objective_params(workspace_id, objective)
    segment = Segment(filt, params)
    kept = and_(company.c.workspace_id == bindparam("workspace_id"), *segment.company_conditions())
    if not users_filtered(filt):
        stored = select(func.count(), func.count(_kc.onboarded_at)).select_from(
            company.join(kpi_company, _onboarded())
        )
        row = conn.one(stored.where(kept, _kc.users > 0), params)
        return (int(row[0]), int(row[1])) if row else (0, 0)
    users, user_segment = companies_with_users(objective, workspace_id, filt)
    with_users = {row[0] for row in conn.all(users, user_segment.params)}
    return tally_companies(conn, workspace_id, objective, filt, with_users)


def users_filtered(filt: KpiFilter) -> bool:
    """Whether the filter keeps users out by what they are (first seen, user traits): the
    company figures are then counted from the users kept, not read from `kpi_company`."""
    return Segment(replace(filt, company_traits={}), {}).by_user


def companies_with_users(objective: Objective, workspace_id: int, filt: KpiFilter) -> Any:
    """`SELECT company_id … GROUP BY` the companies of the audience users the filter's user
    conditions keep (one grouped pass over them), and its segment."""
    company_id = unindexed(membership.c.company_id)
    users, segment = _kept_users(objective, workspace_id, filt, company_id.label("company_id"))
    return users.group_by(company_id), segment


def tally_companies(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    with_users: set[str],
) -> tuple[int, int]:
    """`company_counts` for the companies that have users kept (`companies_with_users`):
    those the company traits keep, and the onboarded among them, in Python (a few thousand
    ids); a join of the two in SQL made SQLite read the users once per company."""
    params = _objective_params(workspace_id, objective)
    segment = Segment(filt, params)
    kept = and_(company.c.workspace_id == bindparam("workspace_id"), *segment.company_conditions())
    listed = conn.all(
        select(company.c.external_id, _kc.onboarded_at)
        .select_from(company.outerjoin(kpi_company, _onboarded()))
        .where(kept),
        params,
    )
    found = [onboarded_at for company_id, onboarded_at in listed if company_id in with_users]
    return len(found), sum(1 for onboarded_at in found if onboarded_at is not None)


def _objective_params(workspace_id: int, objective: Objective) -> dict[str, Any]:
    return {"workspace_id": workspace_id, "kind": objective.kind, "key": objective.key}


def _onboarded() -> Any:
    """`kpi_company` of the objective joined with `company`."""
    return and_(
        _kc.workspace_id == company.c.workspace_id,
        _kc.company_id == company.c.external_id,
        _kc.kind == bindparam("kind"),
        _kc.key == bindparam("key"),
    )


def company_rows(
    conn: Connection, workspace_id: int, objective: Objective, filt: KpiFilter
) -> list[CompanyRow]:
    """Every company the filter keeps, unsorted."""
    names = _companies(conn, workspace_id, filt)
    params = {"workspace_id": workspace_id, "kind": objective.kind, "key": objective.key}
    stored = {row.company_id: row for row in conn.all(_KPI_COMPANIES, params)}
    by_users = users_filtered(filt)
    recomputed = _recomputed(conn, workspace_id, objective, filt) if by_users else {}
    rows = []
    for company_id, traits in names.items():
        kept = stored.get(company_id)
        onboarded_at = kept.onboarded_at if kept is not None else None
        if by_users:
            figures = recomputed.get(company_id)
            row = (
                replace(figures, name=company_name(traits), onboarded_at=onboarded_at)
                if figures is not None
                else CompanyRow(company_id, company_name(traits), 0, 0, onboarded_at, None, None)
            )
        elif kept is not None:
            row = CompanyRow(company_id, company_name(traits), *tuple(kept)[1:])
        else:
            row = CompanyRow(company_id, company_name(traits), 0, 0, None, None, None)
        rows.append(row)
    return rows


def _sort_key(sort: CompanySort) -> Any:
    def value(row: CompanyRow) -> Any:
        if sort == "name":
            return None if row.name is None else row.name.casefold()
        if sort == "share":
            return row.share
        if sort == "median":
            return row.median_seconds
        if sort == "activity":
            return row.last_activity_at
        return getattr(row, sort)

    return value


def sort_rows(rows: list[CompanyRow], sort: CompanySort, descending: bool) -> list[CompanyRow]:
    """Sorted by `sort`, the company id breaking ties (ascending both ways, so pages never
    overlap); companies without a value (no name, no completion) come last either way."""
    value = _sort_key(sort)
    ordered = sorted(rows, key=lambda row: row.company_id)
    present = [row for row in ordered if value(row) is not None]
    absent = [row for row in ordered if value(row) is None]
    present.sort(key=value, reverse=descending)
    return present + absent


def matches(row: CompanyRow, search: str) -> bool:
    """Case-insensitive substring of the company's name or id."""
    wanted = search.casefold()
    return wanted in row.company_id.casefold() or (
        row.name is not None and wanted in row.name.casefold()
    )


def companies(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    *,
    page: int = 1,
    per_page: int = 50,
    sort: CompanySort = "users",
    descending: bool = True,
    search: str | None = None,
) -> CompanyPage:
    filt = resolve_segment(conn, workspace_id, filt)
    rows = company_rows(conn, workspace_id, objective, filt)
    if search:
        rows = [row for row in rows if matches(row, search)]
    ordered = sort_rows(rows, sort, descending)
    start = (page - 1) * per_page
    return CompanyPage(
        rows=ordered[start : start + per_page],
        total=len(ordered),
        page=page,
        per_page=per_page,
        sort=sort,
        descending=descending,
        search=search,
    )
