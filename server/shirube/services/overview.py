"""Everything the workspace page shows, read in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, select

from shirube.content.localize import resolve_text
from shirube.services import kpis
from shirube.services.admins import WorkspaceRole
from shirube.services.kpi_model import Objective
from shirube.services.webhook_endpoints import Endpoint, list_endpoints
from shirube.services.workspaces import identity_totals
from shirube.storage import Connection
from shirube.storage.tables import content_item, content_version

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


def _name(kind: str, document: Mapping[str, Any], locale: str) -> str:
    if kind == "tour":
        return str(document.get("name") or document["key"])
    title = document.get("name" if kind == "goal" else "title") or document["key"]
    return resolve_text(title, None, locale)


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
_CONTENT = (
    select(
        _item.kind,
        _item.key,
        _item.draft,
        _item.published_version,
        _item.latest_version,
        _version.document,
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
        published = row.document
        content[row.kind].append(
            ContentRow(
                kind=row.kind,
                key=row.key,
                name=_name(row.kind, published or row.draft, locale),
                published_version=row.published_version,
                latest_version=row.latest_version,
                unpublished_changes=published != row.draft,
                last_published_at=row.last_published_at,
            )
        )
    coverage = Coverage(*identity_totals(conn, workspace.id, COVERAGE_DAYS))
    webhooks = list_endpoints(conn, workspace.id)
    objectives = kpis.list_objectives(conn, workspace.id, locale)
    return Overview(
        access,
        coverage,
        content["tour"],
        content["checklist"],
        content["goal"],
        objectives,
        webhooks,
    )
