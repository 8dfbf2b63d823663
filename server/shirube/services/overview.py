"""Everything the workspace page shows, read in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, literal_column, select

from shirube.content.localize import resolve_text
from shirube.services.admins import WorkspaceRole
from shirube.services.kpi_model import Objective
from shirube.services.kpi_objectives import KINDS as OBJECTIVE_KINDS
from shirube.services.webhook_endpoints import Endpoint, list_endpoints
from shirube.services.workspaces import identity_totals
from shirube.storage import ByEngine, Connection
from shirube.storage.tables import content_item, content_version
from shirube.storage.types import JSONType

COVERAGE_DAYS = 30


@dataclass(frozen=True)
class Coverage:
    """Widget sessions of the last COVERAGE_DAYS days by identity-token outcome, as in the
    API's identity-stats: whether enforce mode would turn users away."""

    signed: int
    unsigned: int
    invalid: int

    @property
    def ratio(self) -> float | None:
        total = self.signed + self.unsigned + self.invalid
        return self.signed / total if total else None


@dataclass(frozen=True)
class ContentRow:
    kind: str
    key: str
    name: str
    published_version: int | None
    latest_version: int
    unpublished_changes: bool
    last_published_at: datetime | None


@dataclass(frozen=True)
class Overview:
    access: WorkspaceRole
    coverage: Coverage
    tours: list[ContentRow]
    checklists: list[ContentRow]
    goals: list[ContentRow]
    # Published goals, checklists and tours, each with its dashboard.
    objectives: list[Objective]
    webhooks: list[Endpoint]

    @property
    def webhooks_disabled(self) -> list[Endpoint]:
        """Endpoints disabled by the worker (failing, or 410 Gone): the console's notice."""
        return [e for e in self.webhooks if not e.enabled and e.disabled_reason != "owner"]


def _name(row: Any, locale: str) -> str:
    """The published version's name (a checklist's title), else the draft's, else the key."""
    field = "title" if row.kind == "checklist" else "name"
    published = getattr(row, f"published_{field}")
    text = published if row.published_version is not None else None
    text = text or getattr(row, f"draft_{field}") or row.key
    return resolve_text(text, None, locale)


_item, _version = content_item.c, content_version.c
# Correlated, so it reads only this workspace's versions (through the content_id, version
# index); a grouped subquery joined afterwards aggregated every workspace's versions on every
# page view.
_LAST_PUBLISHED = (
    select(func.max(_version.published_at))
    .where(_version.content_id == _item.id)
    .correlate(content_item)
    .scalar_subquery()
)


def _field(column: Any, name: str, *, sqlite: bool) -> Any:
    """One top-level field of a stored document, as JSON: the page needs names only, and
    decoding every draft and published document (250 of each with 200 tours) was most of
    its time (bench/console_pages.py)."""
    if sqlite:
        path: Any = literal_column(f"'$.{name}'")
        return func.json_quote(func.json_extract(column, path), type_=JSONType)
    return column.op("->", return_type=JSONType)(literal_column(f"'{name}'"))


def _content(*, sqlite: bool) -> Select[Any]:
    # Equal documents, compared by the database: JSONB equality on PostgreSQL; on SQLite the
    # text json() normalizes (both are written from the same canonical dict, keys in order).
    same = (
        func.json(_item.draft) == func.json(_version.document)
        if sqlite
        else _item.draft == _version.document
    )
    return (
        select(
            _item.kind,
            _item.key,
            _item.published_version,
            _item.latest_version,
            _field(_item.draft, "name", sqlite=sqlite).label("draft_name"),
            _field(_item.draft, "title", sqlite=sqlite).label("draft_title"),
            _field(_version.document, "name", sqlite=sqlite).label("published_name"),
            _field(_version.document, "title", sqlite=sqlite).label("published_title"),
            same.label("same"),
            _LAST_PUBLISHED.label("last_published_at"),
        )
        .join(
            content_version,
            and_(_version.content_id == _item.id, _version.version == _item.published_version),
            isouter=True,
        )
        .where(_item.workspace_id == bindparam("workspace_id"))
        .order_by(_item.kind, _item.key)
    )


_CONTENT = ByEngine(sqlite=_content(sqlite=True), postgresql=_content(sqlite=False))


def load_overview(conn: Connection, access: WorkspaceRole) -> Overview:
    workspace = access.workspace
    locale = workspace.default_locale
    # Help centres are not listed here yet (the API and the content document manage them).
    content: dict[str, list[ContentRow]] = {
        "tour": [],
        "checklist": [],
        "goal": [],
        "resource_center": [],
    }
    for row in conn.all(_CONTENT, {"workspace_id": workspace.id}):
        content[row.kind].append(
            ContentRow(
                kind=row.kind,
                key=row.key,
                name=_name(row, locale),
                published_version=row.published_version,
                latest_version=row.latest_version,
                unpublished_changes=not row.same,
                last_published_at=row.last_published_at,
            )
        )
    # Published goals, checklists and tours as kpis.list_objectives lists them (goals first),
    # from the rows above rather than from every published document again.
    objectives = [
        Objective(kind, row.key, row.name, row.published_version)
        for kind in OBJECTIVE_KINDS
        for row in content[kind]
        if row.published_version is not None
    ]
    coverage = Coverage(*identity_totals(conn, workspace.id, COVERAGE_DAYS))
    webhooks = list_endpoints(conn, workspace.id)
    return Overview(
        access,
        coverage,
        content["tour"],
        content["checklist"],
        content["goal"],
        objectives,
        webhooks,
    )
