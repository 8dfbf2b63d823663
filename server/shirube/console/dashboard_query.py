"""The dashboard's GET parameters, read strictly: an unknown, repeated or malformed parameter
is refused (400, naming it) rather than ignored, so a link always shows what it says.

| parameter | meaning |
| --- | --- |
| `view` | the tab, one of `VIEWS` below (default `overview`) |
| `objective` | `goal:KEY`, `checklist:KEY` or `tour:KEY` (default: the first published) |
| `from`, `to` | first-seen dates, `YYYY-MM-DD`, UTC, inclusive |
| `segment`, `trait`, `value` | users whose (`user` or `company`) trait equals the value |
| `page`, `sort`, `order`, `q` | the companies table: page, column, `asc`/`desc`, name search |
| `stuck_days` | stuck users and companies: no progress for at least this many days |
| `period` | activity by `day` or `week` |
| `events` | feature usage: event names, comma-separated |
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal, cast, get_args
from urllib.parse import urlencode

from shirube.identifiers import EVENT_NAME_RE, KEY_RE
from shirube.services.kpi_model import CompanySort, KpiFilter, ObjectiveKind

PARAMS = (
    "view", "objective", "from", "to", "segment", "trait", "value", "page", "sort", "order",
    "q", "stuck_days", "period", "events",
)  # fmt: skip
KINDS: tuple[ObjectiveKind, ...] = get_args(ObjectiveKind)
SORTS: tuple[CompanySort, ...] = get_args(CompanySort)
# The dashboard's tabs, each its own page running only the queries it shows (#13: a page
# of every figure took seconds at 100k users; one view's queries stay under one).
View = Literal["overview", "companies", "people", "usage", "surveys", "recomputation"]
VIEWS: tuple[View, ...] = get_args(View)
MAX_PAGE = 10_000
MAX_EVENTS = 20
MAX_TEXT = 200
MAX_TRAIT_NAME = 64
DEFAULT_STUCK_DAYS = 7
# Control characters (and lone surrogates) are no trait, name or search anyone typed.
_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


class QueryError(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


@dataclass(frozen=True)
class DashboardQuery:
    view: View = "overview"
    objective: tuple[ObjectiveKind, str] | None = None
    first_seen_from: date | None = None
    first_seen_to: date | None = None
    segment: Literal["user", "company"] = "user"
    trait: str = ""
    value: str = ""
    page: int = 1
    sort: CompanySort = "users"
    descending: bool = True
    search: str = ""
    stuck_days: int = DEFAULT_STUCK_DAYS
    period: Literal["day", "week"] = "week"
    events: tuple[str, ...] = field(default_factory=tuple)

    @property
    def filt(self) -> KpiFilter:
        traits: dict[str, str | int | float | bool] = {self.trait: self.value} if self.trait else {}
        return KpiFilter(
            first_seen_from=self.first_seen_from,
            first_seen_to=self.first_seen_to,
            user_traits=traits if self.segment == "user" else {},
            company_traits=traits if self.segment == "company" else {},
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The query as parameters (defaults left out), with `changes` applied."""
        q = replace(self, **changes)
        out = {
            "view": q.view if q.view != "overview" else "",
            "objective": f"{q.objective[0]}:{q.objective[1]}" if q.objective else "",
            "from": q.first_seen_from.isoformat() if q.first_seen_from else "",
            "to": q.first_seen_to.isoformat() if q.first_seen_to else "",
            "segment": q.segment if q.trait else "",
            "trait": q.trait,
            "value": q.value if q.trait else "",
            "page": str(q.page) if q.page != 1 else "",
            "sort": q.sort if q.sort != "users" else "",
            "order": "" if q.descending else "asc",
            "q": q.search,
            "stuck_days": str(q.stuck_days) if q.stuck_days != DEFAULT_STUCK_DAYS else "",
            "period": q.period if q.period != "week" else "",
            "events": ",".join(q.events),
        }
        return {key: value for key, value in out.items() if value}

    def link(self, **changes: Any) -> str:
        """`?…` for a link to the same dashboard with `changes` (a sort, a page)."""
        encoded = urlencode(self.params(**changes))
        return f"?{encoded}" if encoded else ""

    def tab(self, view: View) -> str:
        """`?…` for another view with the same filter (the filter form's fields); the
        companies table's page, sort and search start afresh."""
        return self.link(view=view, page=1, sort="users", descending=True, search="")


def parse_query(items: Sequence[tuple[str, str]]) -> DashboardQuery:
    """The query of a request's parameters (`request.query_params.multi_items()`)."""
    raw: dict[str, str] = {}
    for name, value in items:
        if name not in PARAMS:
            raise QueryError(name[:40], "unknown parameter")
        if name in raw:
            raise QueryError(name, "given more than once")
        if _CONTROL.search(value):
            raise QueryError(name, "holds control characters")
        # An empty form field is a parameter left out.
        if value.strip():
            raw[name] = value.strip()
    return _build(raw)


def _build(raw: Mapping[str, str]) -> DashboardQuery:
    first = _date(raw, "from")
    last = _date(raw, "to")
    if first and last and first > last:
        raise QueryError("to", "is before from")
    trait, value = raw.get("trait", ""), raw.get("value", "")
    if len(trait) > MAX_TRAIT_NAME:
        raise QueryError("trait", f"is longer than {MAX_TRAIT_NAME} characters")
    if trait and "value" not in raw:
        raise QueryError("value", "is required with a trait")
    if value and not trait:
        raise QueryError("trait", "is required with a value")
    search = raw.get("q", "")
    for name, text in (("value", value), ("q", search)):
        if len(text) > MAX_TEXT:
            raise QueryError(name, f"is longer than {MAX_TEXT} characters")
    return DashboardQuery(
        view=cast(View, _choice(raw, "view", VIEWS)),
        objective=_objective(raw.get("objective")),
        first_seen_from=first,
        first_seen_to=last,
        segment=cast(Literal["user", "company"], _choice(raw, "segment", ("user", "company"))),
        trait=trait,
        value=value,
        page=_int(raw, "page", 1, MAX_PAGE, 1),
        sort=cast(CompanySort, _choice(raw, "sort", SORTS, "users")),
        descending=_choice(raw, "order", ("desc", "asc")) == "desc",
        search=search,
        stuck_days=_int(raw, "stuck_days", 1, 3650, DEFAULT_STUCK_DAYS),
        period=cast(Literal["day", "week"], _choice(raw, "period", ("week", "day"))),
        events=_events(raw.get("events", "")),
    )


def _objective(text: str | None) -> tuple[ObjectiveKind, str] | None:
    if text is None:
        return None
    kind, _, key = text.partition(":")
    for known in KINDS:
        if kind == known and KEY_RE.fullmatch(key):
            return known, key
    raise QueryError("objective", "must be goal:KEY, checklist:KEY or tour:KEY")


def _date(raw: Mapping[str, str], name: str) -> date | None:
    text = raw.get(name)
    if text is None:
        return None
    # fromisoformat alone also takes 20261101 and 2026-W44-1.
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise QueryError(name, "must be a date, YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise QueryError(name, "is not a date of the calendar") from None


def _int(raw: Mapping[str, str], name: str, low: int, high: int, default: int) -> int:
    text = raw.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 6) or not low <= int(text) <= high:
        raise QueryError(name, f"must be a whole number from {low} to {high}")
    return int(text)


def _choice(
    raw: Mapping[str, str], name: str, allowed: Sequence[str], default: str | None = None
) -> str:
    text = raw.get(name, default if default is not None else allowed[0])
    if text not in allowed:
        raise QueryError(name, "must be one of " + ", ".join(allowed))
    return text


def _events(text: str) -> tuple[str, ...]:
    names: list[str] = []
    for part in text.split(","):
        name = part.strip()
        if not name:
            continue
        if not EVENT_NAME_RE.fullmatch(name):
            raise QueryError("events", f"{name[:40]!r} is not an event name")
        if name not in names:
            names.append(name)
    if len(names) > MAX_EVENTS:
        raise QueryError("events", f"names at most {MAX_EVENTS} events")
    return tuple(names)
