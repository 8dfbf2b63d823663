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

from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select

from shirube.services.kpi_model import CompanyPage, CompanyRow, CompanySort, KpiFilter, Objective
from shirube.services.kpi_segment import Segment, audience, nearest_rank, seconds_between
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


def _recomputed(
    conn: Connection, workspace_id: int, objective: Objective, filt: KpiFilter
) -> dict[str, CompanyRow]:
    """Per company, the figures of the audience users the filter keeps (company traits left
    to the company rows)."""
    by_users = replace(filt, company_traits={})
    query, segment = audience(
        objective,
        workspace_id,
        by_users,
        membership.c.company_id,
        end_user.c.first_seen_at,
        kpi_user.c.completed_at,
        end_user.c.last_seen_at,
    )
    query = query.join(
        membership,
        and_(
            membership.c.workspace_id == kpi_user.c.workspace_id,
            membership.c.user_id == kpi_user.c.user_id,
        ),
    )
    users: dict[str, int] = defaultdict(int)
    durations: dict[str, list[float]] = defaultdict(list)
    last: dict[str, datetime] = {}
    for company_id, first_seen, completed_at, last_seen in conn.all(query, segment.params):
        users[company_id] += 1
        if completed_at is not None:
            durations[company_id].append(seconds_between(first_seen, completed_at))
        if company_id not in last or last_seen > last[company_id]:
            last[company_id] = last_seen
    rows = {}
    for company_id, count in users.items():
        done = sorted(durations[company_id])
        rows[company_id] = CompanyRow(
            company_id, None, count, len(done), None, nearest_rank(done, 50), last[company_id]
        )
    return rows


def company_rows(
    conn: Connection, workspace_id: int, objective: Objective, filt: KpiFilter
) -> list[CompanyRow]:
    """Every company the filter keeps, unsorted."""
    names = _companies(conn, workspace_id, filt)
    params = {"workspace_id": workspace_id, "kind": objective.kind, "key": objective.key}
    stored = {row.company_id: row for row in conn.all(_KPI_COMPANIES, params)}
    by_users = Segment(replace(filt, company_traits={}), {}).by_user
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
