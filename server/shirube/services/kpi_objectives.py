"""What KPIs are measured for: the published goals, checklists and tours of a workspace, their
parts (a checklist's items, a goal's rules, a tour's steps), and the backfill jobs that
recompute their figures after a publish."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, case, select

from shirube.content.localize import resolve_text
from shirube.errors import NotFound
from shirube.services.kpi_model import BackfillState, Objective, ObjectiveKind
from shirube.storage import Connection
from shirube.storage.tables import content_item, content_version, kpi_job

KINDS: tuple[ObjectiveKind, ...] = ("goal", "checklist", "tour")

_item = content_item.c
_PUBLISHED = (
    select(_item.kind, _item.key, _item.published_version, content_version.c.document)
    .join(
        content_version,
        and_(
            content_version.c.content_id == _item.id,
            content_version.c.version == _item.published_version,
        ),
    )
    .where(_item.workspace_id == bindparam("workspace_id"), _item.published_version.is_not(None))
)
_ALL_PUBLISHED = _PUBLISHED.order_by(
    case({kind: rank for rank, kind in enumerate(KINDS)}, value=_item.kind), _item.key
)
_ONE_PUBLISHED = _PUBLISHED.where(_item.kind == bindparam("kind"), _item.key == bindparam("key"))

_job = kpi_job.c
_JOBS = (
    select(
        _job.kind,
        _job.key,
        _job.version,
        _job.state,
        _job.done_users,
        _job.total_users,
        _job.created_at,
        _job.finished_at,
    )
    .where(_job.workspace_id == bindparam("workspace_id"))
    .order_by(_job.created_at.desc(), _job.id.desc())
)


@dataclass(frozen=True)
class Part:
    """A step of a tour, an item of a checklist or a rule of a goal."""

    id: str
    title: str
    # The item's or rule's completion rule (none for a tour step).
    rule: dict[str, Any] | None


def _name(kind: str, document: dict[str, Any], locale: str) -> str:
    text = document.get("title") if kind == "checklist" else document.get("name")
    return resolve_text(text, locale, locale) if text else str(document.get("key", ""))


def list_objectives(conn: Connection, workspace_id: int, locale: str) -> list[Objective]:
    """Published goals, checklists and tours, goals first."""
    return [
        Objective(kind, key, _name(kind, document, locale), version)
        for kind, key, version, document in conn.all(_ALL_PUBLISHED, {"workspace_id": workspace_id})
        if kind in KINDS
    ]


def published(
    conn: Connection, workspace_id: int, kind: str, key: str
) -> tuple[int, dict[str, Any]]:
    """The published version and document, or NotFound."""
    row = conn.one(_ONE_PUBLISHED, {"workspace_id": workspace_id, "kind": kind, "key": key})
    if row is None or kind not in KINDS:
        raise NotFound(f"published {kind}")
    return row.published_version, dict(row.document)


def find_objective(
    conn: Connection, workspace_id: int, kind: ObjectiveKind, key: str, locale: str
) -> Objective:
    """The published objective, or NotFound."""
    version, document = published(conn, workspace_id, kind, key)
    return Objective(kind, key, _name(kind, document, locale), version)


def parts(kind: str, document: dict[str, Any], locale: str) -> list[Part]:
    """The objective's parts in their published order."""
    if kind == "tour":
        return [
            Part(step["id"], resolve_text(step.get("title") or step["id"], locale, locale), None)
            for step in document.get("steps", [])
        ]
    if kind == "checklist":
        return [
            Part(item["id"], resolve_text(item["title"], locale, locale), item.get("completion"))
            for item in document.get("items", [])
        ]
    return [
        Part(
            rule["id"], resolve_text(rule.get("title") or rule["id"], locale, locale), rule["rule"]
        )
        for rule in document.get("rules", [])
    ]


def backfills(conn: Connection, workspace_id: int) -> list[BackfillState]:
    """The latest backfill job of each published objective, newest first."""
    live = {(o.kind, o.key) for o in list_objectives(conn, workspace_id, "en")}
    latest: dict[tuple[str, str], BackfillState] = {}
    for row in conn.all(_JOBS, {"workspace_id": workspace_id}):
        if (row.kind, row.key) in live and (row.kind, row.key) not in latest:
            latest[row.kind, row.key] = BackfillState(*row)
    return list(latest.values())
