"""A workspace's tours or checklists as the console lists them (#14): each draft with its
published document in one statement (not one query per item), so that "has unpublished
changes" costs nothing more at 200 tours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select

from shirube.storage import Connection
from shirube.storage.tables import content_item, content_version

_item, _version = content_item.c, content_version.c
_LIST = (
    select(
        _item.key,
        _item.draft,
        _item.published_version,
        _item.updated_at,
        _item.draft_revision,
        _version.document,
    )
    .select_from(
        content_item.outerjoin(
            content_version,
            (_version.content_id == _item.id) & (_version.version == _item.published_version),
        )
    )
    .where(_item.workspace_id == bindparam("workspace_id"), _item.kind == bindparam("kind"))
    .order_by(_item.key)
)


# Tour keys and names (the checklist editor's tour pickers), without published versions. (The
# name is read from the draft in Python: a JSON path bound through the statement cache is not
# one SQLite reads.)
_TOUR_NAMES = (
    select(_item.key, _item.draft)
    .where(_item.workspace_id == bindparam("workspace_id"), _item.kind == "tour")
    .order_by(_item.key)
)


def tour_names(conn: Connection, workspace_id: int) -> list[tuple[str, str]]:
    rows = conn.all(_TOUR_NAMES, {"workspace_id": workspace_id})
    return [(key, str(draft.get("name") or key)) for key, draft in rows]


@dataclass(frozen=True)
class ContentSummary:
    key: str
    draft: dict[str, Any]
    published_version: int | None
    updated_at: datetime
    draft_revision: int
    unpublished_changes: bool


def summaries(conn: Connection, workspace_id: int, kind: str) -> list[ContentSummary]:
    rows = conn.all(_LIST, {"workspace_id": workspace_id, "kind": kind})
    return [
        ContentSummary(
            key=row.key,
            draft=dict(row.draft),
            published_version=row.published_version,
            updated_at=row.updated_at,
            draft_revision=row.draft_revision,
            unpublished_changes=row.document is None or dict(row.document) != dict(row.draft),
        )
        for row in rows
    ]
