"""Everything the workspace page shows, read in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from shirube.console.access import WorkspaceRole
from shirube.console.figures import ChecklistFigures, checklist_figures
from shirube.content.localize import resolve_text
from shirube.models import ContentItem, ContentVersion, IdentityStat

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
    figures: list[ChecklistFigures]


def _coverage(session: Session, workspace_id: int) -> Coverage:
    since = (datetime.now(UTC) - timedelta(days=COVERAGE_DAYS - 1)).date().isoformat()
    signed, unsigned, invalid = session.exec(
        select(
            func.coalesce(func.sum(IdentityStat.signed), 0),
            func.coalesce(func.sum(IdentityStat.unsigned), 0),
            func.coalesce(func.sum(IdentityStat.invalid), 0),
        ).where(IdentityStat.workspace_id == workspace_id, col(IdentityStat.day) >= since)
    ).one()
    return Coverage(int(signed), int(unsigned), int(invalid))


def _name(kind: str, document: Mapping[str, Any], locale: str) -> str:
    if kind == "tour":
        return str(document.get("name") or document["key"])
    return resolve_text(document.get("title") or document["key"], None, locale)


def load_overview(session: Session, access: WorkspaceRole) -> Overview:
    workspace = access.workspace
    assert workspace.id is not None
    # Correlated, so it reads only this workspace's versions (through the content_id, version
    # index); a grouped subquery joined afterwards aggregated every workspace's versions on
    # every page view.
    last_published = (
        select(func.max(ContentVersion.published_at))
        .where(col(ContentVersion.content_id) == col(ContentItem.id))
        .correlate(ContentItem)
        .scalar_subquery()
    )
    rows = session.exec(
        select(ContentItem, ContentVersion.document, last_published)
        .join(
            ContentVersion,
            and_(
                col(ContentVersion.content_id) == col(ContentItem.id),
                col(ContentVersion.version) == col(ContentItem.published_version),
            ),
            isouter=True,
        )
        .where(ContentItem.workspace_id == workspace.id)
        .order_by(col(ContentItem.kind), col(ContentItem.key))
    ).all()
    locale = workspace.default_locale
    content: dict[str, list[ContentRow]] = {"tour": [], "checklist": []}
    figures: list[ChecklistFigures] = []
    for item, published, published_at in rows:
        content[item.kind].append(
            ContentRow(
                kind=item.kind,
                key=item.key,
                name=_name(item.kind, published or item.draft, locale),
                published_version=item.published_version,
                latest_version=item.latest_version,
                unpublished_changes=published != item.draft,
                last_published_at=published_at,
            )
        )
        if item.kind == "checklist" and published is not None:
            assert item.published_version is not None
            figures.append(
                checklist_figures(session, workspace.id, item.published_version, published, locale)
            )
    coverage = _coverage(session, workspace.id)
    return Overview(access, coverage, content["tour"], content["checklist"], figures)
