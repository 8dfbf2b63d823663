"""The analytics API (`/api/v1/analytics/…`, secret key): the KPI figures of docs/kpis.md as
JSON, tabular ones as CSV too (`format=csv`). Every handler reads its parameters strictly
(api/analytics_params.py) before it touches the database, then runs one read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar, cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.api import analytics_json as out
from shirube.api import analytics_params as p
from shirube.api.auth import server_workspace
from shirube.api.query import QueryParam, bad_parameter
from shirube.api.routing import get_context, route
from shirube.errors import NotFound
from shirube.jsonresponse import JSONResponse
from shirube.services import kpis
from shirube.services.kpi_model import CompanySort, Objective, ObjectiveKind
from shirube.services.workspaces import Workspace
from shirube.storage import Connection
from shirube.timeutil import utcnow

T = TypeVar("T")
BASE = "/api/v1/analytics"
OBJECTIVE = BASE + "/{kind}/{key}"


async def _read(request: Request, work: Callable[[Connection, Workspace], T]) -> T:
    """The workspace of the key, then `work` in one unit of work. Reads only: no write lock
    is taken (`transaction=False`)."""
    workspace = await server_workspace(request)
    return await get_context(request).db.run(lambda conn: work(conn, workspace), transaction=False)


def _objective(request: Request, conn: Connection, workspace: Workspace) -> Objective:
    kind = out.KINDS.get(request.path_params["kind"])
    if kind is None:
        raise NotFound("objective")
    return kpis.find_objective(
        conn,
        workspace.id,
        cast(ObjectiveKind, kind),
        request.path_params["key"],
        workspace.default_locale,
    )


async def objectives(request: Request) -> Response:
    found = await _read(
        request, lambda conn, ws: kpis.list_objectives(conn, ws.id, ws.default_locale)
    )
    return p.answer(request, {"data": [out.objective(o) for o in found]}, "objectives")


async def summary(request: Request) -> Response:
    filt = p.read_filter(request)
    result = await _read(
        request,
        lambda conn, ws: kpis.summary(conn, ws.id, _objective(request, conn, ws), filt, utcnow()),
    )
    return JSONResponse(out.summary(result))


async def companies(request: Request) -> Response:
    filt = p.read_filter(request)
    page, per_page = p.PAGE.read(request), p.PER_PAGE.read(request)
    sort = cast(CompanySort, p.SORT.read(request) or "users")
    descending = (p.ORDER.read(request) or "desc") == "desc"
    search = p.SEARCH.read(request)
    result = await _read(
        request,
        lambda conn, ws: kpis.companies(
            conn,
            ws.id,
            _objective(request, conn, ws),
            filt,
            page=page,
            per_page=per_page,
            sort=sort,
            descending=descending,
            search=search,
        ),
    )
    return p.answer(request, out.company_page(result), "companies")


async def cohorts(request: Request) -> Response:
    filt, weeks = p.read_filter(request), p.WEEKS.read(request)
    rows = await _read(
        request,
        lambda conn, ws: kpis.cohorts(
            conn, ws.id, _objective(request, conn, ws), filt, utcnow(), weeks
        ),
    )
    return p.answer(request, {"data": [out.cohort(row) for row in rows]}, "cohorts")


async def items(request: Request) -> Response:
    filt = p.read_filter(request)
    rows = await _read(
        request,
        lambda conn, ws: kpis.item_rates(
            conn, ws.id, _objective(request, conn, ws), filt, ws.default_locale
        ),
    )
    return p.answer(request, {"data": [out.item(row) for row in rows]}, "items")


async def stuck_users(request: Request) -> Response:
    filt, days, limit = p.read_filter(request), p.DAYS.read(request), p.LIMIT.read(request)
    rows = await _read(
        request,
        lambda conn, ws: kpis.stuck_users(
            conn, ws.id, _objective(request, conn, ws), filt, days, utcnow(), limit
        ),
    )
    return p.answer(request, {"data": [out.stuck_user(row) for row in rows]}, "stuck-users")


async def stuck_companies(request: Request) -> Response:
    filt, days, limit = p.read_filter(request), p.DAYS.read(request), p.LIMIT.read(request)
    rows = await _read(
        request,
        lambda conn, ws: kpis.stuck_companies(
            conn, ws.id, _objective(request, conn, ws), filt, days, utcnow(), limit
        ),
    )
    return p.answer(request, {"data": [out.stuck_company(row) for row in rows]}, "stuck-companies")


async def funnel(request: Request) -> Response:
    filt, key = p.read_filter(request), request.path_params["key"]
    rows = await _read(
        request, lambda conn, ws: kpis.funnel(conn, ws.id, key, filt, ws.default_locale)
    )
    return p.answer(request, {"data": [out.funnel_step(row) for row in rows]}, "funnel")


async def activity(request: Request) -> Response:
    filt, period = p.read_filter(request), p.PERIOD.read(request) or "day"
    end = p.TO.read(request) or utcnow().date()
    start = p.FROM.read(request) or end - timedelta(days=29)
    if start > end:
        raise bad_parameter("from", "must not be after to")
    if (end - start).days > 366:
        raise bad_parameter("from", "at most 367 days before to")
    rows = await _read(
        request,
        lambda conn, ws: kpis.activity(
            conn, ws.id, filt, start, end, "week" if period == "week" else "day"
        ),
    )
    return p.answer(request, {"data": [out.activity_point(row) for row in rows]}, "activity")


async def feature_usage(request: Request) -> Response:
    filt, events = p.read_filter(request), p.EVENTS.read(request)
    rows = await _read(request, lambda conn, ws: kpis.feature_usage(conn, ws.id, events, filt))
    return p.answer(request, {"data": [out.usage(row) for row in rows]}, "feature-usage")


async def surveys(request: Request) -> Response:
    filt, checklist = p.read_filter(request), p.CHECKLIST.read(request)
    rows = await _read(
        request,
        lambda conn, ws: kpis.surveys(conn, ws.id, filt, checklist, ws.default_locale),
    )
    body = {"data": [out.survey(row) for row in rows]}
    return p.answer(request, body, "survey-comments", out.survey_comment_rows(rows))


async def backfills(request: Request) -> Response:
    rows = await _read(request, lambda conn, ws: kpis.backfills(conn, ws.id))
    return p.answer(request, {"data": [out.backfill(row) for row in rows]}, "backfills")


_F = p.FILTER
_CSV = (p.FORMAT,)
# (path, handler, summary, query, answers CSV too): the routes and their OpenAPI operations.
ENDPOINTS: list[tuple[str, Any, str, tuple[QueryParam, ...], bool]] = [
    (BASE + "/objectives", objectives, "Published goals, checklists and tours", _CSV, True),
    (OBJECTIVE + "/summary", summary, "Completion rate, times, weeks, companies", _F, False),
    (
        OBJECTIVE + "/companies",
        companies,
        "Every company: share completed, onboarded, median time, activity",
        (*_F, p.PAGE, p.PER_PAGE, p.SORT, p.ORDER, p.SEARCH, p.FORMAT),
        True,
    ),
    (OBJECTIVE + "/cohorts", cohorts, "Completion by first-seen week", (*_F, p.WEEKS, *_CSV), True),
    (OBJECTIVE + "/items", items, "Completion of each item, step or rule", (*_F, *_CSV), True),
    (
        OBJECTIVE + "/stuck-users",
        stuck_users,
        "Users without progress for N days, with contacts",
        (*_F, p.DAYS, p.LIMIT, *_CSV),
        True,
    ),
    (
        OBJECTIVE + "/stuck-companies",
        stuck_companies,
        "Companies not onboarded, inactive for N days, with contacts",
        (*_F, p.DAYS, p.LIMIT, *_CSV),
        True,
    ),
    (BASE + "/tours/{key}/funnel", funnel, "A tour's funnel, step by step", (*_F, *_CSV), True),
    (
        BASE + "/activity",
        activity,
        "Active users per day or week",
        (*_F, p.FROM, p.TO, p.PERIOD, *_CSV),
        True,
    ),
    (
        BASE + "/feature-usage",
        feature_usage,
        "Users who sent each event",
        (*_F, p.EVENTS, *_CSV),
        True,
    ),
    (
        BASE + "/surveys",
        surveys,
        "Checklist surveys: ratings and comments (CSV: the comments)",
        (*_F, p.CHECKLIST, *_CSV),
        True,
    ),
    (BASE + "/backfills", backfills, "The latest recomputation of each objective", _CSV, True),
]

routes: list[Route] = [
    route(path, query=query, GET=handler) for path, handler, _, query, _ in ENDPOINTS
]
