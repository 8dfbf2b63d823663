"""The KPI dashboard of a workspace, in views (tabs), each its own page that queries only
what it shows: overview (summary tiles, trend, cohort heatmap, funnel or item rates),
companies (the table and stuck companies), people (stuck users), usage (activity and feature
usage), surveys, recomputation after publishing. Each chart sits with its table and each
table has its CSV. Every role of the workspace reads it (viewers included); a GET form
filters every figure, and the tabs keep the filter."""

from __future__ import annotations

import math

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.console.access import workspace_access
from shirube.console.auth import require_admin
from shirube.console.csv_export import table_csv
from shirube.console.dashboard_charts import build_charts
from shirube.console.dashboard_data import (
    COMPANIES_PER_PAGE,
    VIEW_PARTS,
    Dashboard,
    Part,
    load,
)
from shirube.console.dashboard_labels import DASHBOARD
from shirube.console.dashboard_query import (
    VIEWS,
    DashboardQuery,
    QueryError,
    View,
    parse_query,
)
from shirube.console.dashboard_tables import TABLE_PARTS, build_tables
from shirube.console.labels import language_of
from shirube.console.render import render
from shirube.console.state import console_of
from shirube.observability.request_id import current_request_id
from shirube.services.admins import Admin, WorkspaceRole
from shirube.timeutil import utcnow

# The filter form's fields that only some views use: shown there, carried elsewhere as
# hidden inputs (when set) so that applying a filter on one view loses nothing of another's.
VIEW_FIELDS: dict[View, tuple[str, ...]] = {
    "companies": ("stuck_days",),
    "people": ("stuck_days",),
    "usage": ("period", "events"),
}
_OPTIONAL_FIELDS = ("stuck_days", "period", "events")


def _bad_query(request: Request, admin: Admin, exc: QueryError, t: dict[str, str]) -> Response:
    message = t["bad_filter"].format(problem=f"{exc.name}: {exc.message}")
    context = {"status": 400, "message": message, "request_id": current_request_id()}
    return render(request, "error.html", context, admin=admin, status=400)


async def _board(
    request: Request,
    access: WorkspaceRole,
    query: DashboardQuery,
    lang: str,
    parts: frozenset[Part],
) -> Dashboard:
    workspace_id, now = access.workspace.id, utcnow()
    return await console_of(request).context.db.run(
        lambda conn: load(conn, workspace_id, query, lang, now, parts)
    )


async def page(request: Request) -> Response:
    admin = await require_admin(request)
    access = await workspace_access(request, admin)
    lang = language_of(request)
    t = DASHBOARD[lang]
    try:
        query = parse_query(request.query_params.multi_items())
    except QueryError as exc:
        return _bad_query(request, admin, exc, t)
    board = await _board(request, access, query, lang, VIEW_PARTS[query.view])
    companies = board.companies
    pages = max(1, math.ceil(companies.total / COMPANIES_PER_PAGE)) if companies else 1
    fields = VIEW_FIELDS.get(query.view, ())
    carried = {
        name: value
        for name, value in query.params().items()
        if name in _OPTIONAL_FIELDS and name not in fields
    }
    context = {
        "lang": lang,
        "t": t,
        "ws": access.workspace,
        "role": access.role,
        "query": query,
        "view": query.view,
        "views": VIEWS,
        "fields": fields,
        "carried": carried,
        "reset": DashboardQuery(view=query.view).link(),
        "board": board,
        "tables": build_tables(board, t, lang),
        "charts": build_charts(board, t),
        "pages": pages,
        "base": f"/console/workspaces/{access.workspace.id}/dashboard",
    }
    return render(request, "dashboard.html", context, admin=admin)


async def download(request: Request) -> Response:
    """One table as CSV, for the same filter (the table's link carries the page's query)."""
    admin = await require_admin(request)
    access = await workspace_access(request, admin)
    name = request.path_params["table"]
    if name not in TABLE_PARTS:
        raise HTTPException(404)
    lang = language_of(request)
    t = DASHBOARD[lang]
    try:
        query = parse_query(request.query_params.multi_items())
    except QueryError as exc:
        return _bad_query(request, admin, exc, t)
    board = await _board(request, access, query, lang, frozenset({TABLE_PARTS[name]}))
    table = build_tables(board, t, lang).get(name)
    if table is None:  # the summary of a workspace with nothing published
        raise HTTPException(404)
    filename = f"shirube-{access.workspace.id}-{name}.csv"
    return Response(
        table_csv(table, t),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


_BASE = "/workspaces/{workspace_id:int}/dashboard"
routes = [
    Route(_BASE, page, methods=["GET"]),
    Route(_BASE + "/{table}.csv", download, methods=["GET"]),
]
