"""The broken-target report: per tour step, how often its target was missing in the last
`WINDOW_DAYS` days, on which pages and when last, newest problems first, with how each way of
finding a robust target did (docs/console.md, "Broken targets").

Read from the `$target_missing` events already stored: the week's range of
`ix_event_target_missing` (workspace, time; partial, those events only), grouped in the
database by step, page, primary selector and strategy outcome; at most `MAX_GROUPS` groups
come back (the newest).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, bindparam, desc, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement

from shirube.content.localize import resolve_text
from shirube.services import content_store
from shirube.services.kpi_segment import json_property
from shirube.storage import Connection
from shirube.storage.tables import event
from shirube.storage.types import UTCDateTime

WINDOW_DAYS = 7
MAX_GROUPS = 2000
PAGES_SHOWN = 5
TARGET_MISSING = "$target_missing"


class page_of(ColumnElement[Any]):
    """A page URL without its query string (`/employees/42?tab=x` → `/employees/42`), so that
    one page is one row however its queries vary."""

    inherit_cache = False
    type = String()

    def __init__(self, url: ColumnElement[Any]) -> None:
        self.url = url


@compiles(page_of, "sqlite")
def _page_of_sqlite(element: page_of, compiler: SQLCompiler, **kw: Any) -> str:
    url = compiler.process(element.url, **kw)
    cut = f"instr({url}, '?')"
    return f"CASE WHEN {cut} > 0 THEN substr({url}, 1, {cut} - 1) ELSE {url} END"


@compiles(page_of, "postgresql")
def _page_of_postgres(element: page_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"split_part({compiler.process(element.url, **kw)}, '?', 1)"


_props = event.c.properties
_tour = json_property(_props, "tour")
_step = json_property(_props, "step")
_page = page_of(json_property(_props, "url"))
_selector = json_property(_props, "selector")
_outcomes = json_property(_props, "tried")
_last = func.max(event.c.timestamp)
_GROUPS = (
    select(_tour, _step, _page, _selector, _outcomes, func.count(), _last)
    .where(
        event.c.workspace_id == bindparam("workspace_id"),
        # A constant, not a parameter: SQLite uses a partial index only for a WHERE that
        # implies the index's own, which a bound parameter cannot.
        event.c.name == literal_column(f"'{TARGET_MISSING}'"),
        event.c.timestamp >= bindparam("since", type_=UTCDateTime()),
    )
    .group_by(_tour, _step, _page, _selector, _outcomes)
    .order_by(desc(_last))
    .limit(MAX_GROUPS)
)


@dataclass(frozen=True)
class Tried:
    """How one way of finding a robust target did: `found` visible matches (1 would win)."""

    by: str
    found: int


@dataclass(frozen=True)
class MissingPage:
    page: str
    count: int
    last: datetime


@dataclass
class BrokenStep:
    tour: str
    step: str
    count: int
    last: datetime
    # The newest event's primary selector and strategy outcomes (robust targets only).
    selector: str | None
    tried: tuple[Tried, ...]
    pages: list[MissingPage]
    # From the tour's draft (None: the tour or the step is gone since).
    tour_name: str | None = None
    step_title: str | None = None

    @property
    def more_pages(self) -> int:
        return max(0, len(self.pages) - PAGES_SHOWN)


def _decoded(text: str | None) -> tuple[Tried, ...]:
    """The stored `tried` list (validated at ingestion; read defensively all the same)."""
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return ()
    if not isinstance(value, list):
        return ()
    return tuple(
        Tried(str(entry.get("by")), int(entry.get("found", 0)))
        for entry in value
        if isinstance(entry, dict) and isinstance(entry.get("found", 0), int)
    )


def broken_targets(
    conn: Connection, workspace_id: int, now: datetime, locale: str = "en"
) -> list[BrokenStep]:
    """The steps whose target went missing since `now` less `WINDOW_DAYS`, newest first."""
    since = now - timedelta(days=WINDOW_DAYS)
    rows = conn.all(_GROUPS, {"workspace_id": workspace_id, "since": since})
    steps: dict[tuple[str, str], BrokenStep] = {}
    pages: dict[tuple[str, str], dict[str, MissingPage]] = {}
    # Newest group first: a step's first group carries its newest selector and outcomes.
    for tour, step, page, selector, tried, count, last in rows:
        if tour is None or step is None:
            continue
        key = (tour, step)
        found = steps.get(key)
        if found is None:
            found = steps[key] = BrokenStep(tour, step, 0, last, selector, _decoded(tried), [])
            pages[key] = {}
        found.count += count
        name = page or ""
        seen = pages[key].get(name)
        pages[key][name] = MissingPage(
            name, count + (seen.count if seen else 0), max(last, seen.last) if seen else last
        )
    for key, found in steps.items():
        found.pages = sorted(pages[key].values(), key=lambda p: (-p.count, p.page))
    _name_steps(conn, workspace_id, list(steps.values()), locale)
    return sorted(steps.values(), key=lambda s: s.last, reverse=True)


def _name_steps(conn: Connection, workspace_id: int, steps: list[BrokenStep], locale: str) -> None:
    """Tour names and step titles from the tours' drafts, where the editor will fix them."""
    drafts = {
        item.key: item.draft
        for item in content_store.list_items(conn, workspace_id, "tour")
        if item.key in {s.tour for s in steps}
    }
    for s in steps:
        draft = drafts.get(s.tour)
        if draft is None:
            continue
        s.tour_name = str(draft.get("name", s.tour))
        for step in draft.get("steps", []):
            if isinstance(step, dict) and step.get("id") == s.step:
                title = step.get("title") or step.get("body")
                s.step_title = resolve_text(title, locale, locale) if title else None
