"""The analytics API's query parameters: the segment filter every figure takes, the CSV
switch of tabular answers, and the rest (docs/api.md, "Analytics").

Segment: `first_seen_from` / `first_seen_to` (YYYY-MM-DD, UTC, inclusive) and trait equality
in OpenAPI's deepObject style, `user[role]=admin&company[plan]=pro`. A value is text; it
equals a string trait of that text and a number or boolean trait written the same way
(`company[seats]=3` keeps seats 3; `user[beta]=true` keeps beta true).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from shirube.api.query import Choice, Count, Day, Names, QueryParam, Text
from shirube.api.query import Mapping as TraitMapping
from shirube.csv_export import csv_bytes
from shirube.identifiers import EVENT_NAME, KEY
from shirube.jsonresponse import JSONResponse
from shirube.services.kpi_model import KpiFilter
from shirube.services.kpi_usage import MAX_EVENTS

FIRST_SEEN_FROM = Day("first_seen_from", "Users first seen on or after this UTC date")
FIRST_SEEN_TO = Day("first_seen_to", "Users first seen on or before this UTC date")
USER_TRAITS = TraitMapping(
    "user", 10, 64, 1000, "Users whose trait equals the value: user[role]=admin (several: AND)"
)
COMPANY_TRAITS = TraitMapping(
    "company",
    10,
    64,
    1000,
    "Users of a company whose trait equals the value: company[plan]=pro (several: AND)",
)
FILTER: tuple[QueryParam, ...] = (FIRST_SEEN_FROM, FIRST_SEEN_TO, USER_TRAITS, COMPANY_TRAITS)
FORMAT = Choice(
    "format", ("json", "csv"), "csv: the rows as CSV (also with Accept: text/csv); default json"
)

PAGE = Count("page", 1, 1, 100_000, "Page number, from 1")
PER_PAGE = Count("per_page", 50, 1, 500, "Companies per page")
SORT = Choice(
    "sort",
    ("name", "users", "completed", "share", "onboarded_at", "median", "activity"),
    "Sort key (default users); ties by company id",
)
ORDER = Choice("order", ("asc", "desc"), "Sort order (default desc)")
SEARCH = Text("q", 200, "Companies whose name or id contains this text (any case)")
WEEKS = Count("weeks", 12, 1, 104, "First-seen weeks, the current one last")
DAYS = Count("days", 14, 1, 3650, "Days without progress (users) or activity (companies)")
LIMIT = Count("limit", 100, 1, 1000, "Rows at most")
EVENTS = Names("events", EVENT_NAME, MAX_EVENTS, "Event names, comma-separated")
CHECKLIST = Text("checklist", 64, "Only this checklist's survey")
PERIOD = Choice("period", ("day", "week"), "Points per UTC day (default) or ISO week")
FROM = Day("from", "First day (default: 29 days before to)")
TO = Day("to", "Last day (default: today, UTC)")

KEY_PATTERN = KEY


def read_filter(request: Request) -> KpiFilter:
    """The segment filter, or a 400 naming the parameter."""
    return KpiFilter(
        first_seen_from=FIRST_SEEN_FROM.read(request),
        first_seen_to=FIRST_SEEN_TO.read(request),
        user_traits=dict(USER_TRAITS.read(request)),
        company_traits=dict(COMPANY_TRAITS.read(request)),
    )


def wants_csv(request: Request) -> bool:
    chosen = FORMAT.read(request)
    if chosen is not None:
        return chosen == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def answer(
    request: Request,
    body: Mapping[str, Any],
    name: str,
    csv_rows: list[dict[str, Any]] | None = None,
) -> Response:
    """JSON, or the CSV of `csv_rows` (by default `body["data"]`) when asked for."""
    if wants_csv(request):
        rows = csv_rows if csv_rows is not None else body["data"]
        return Response(
            csv_bytes(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return JSONResponse(dict(body))
