"""Drafts, publishing, versions and rollback of tours, checklists, goals and help centres.

End users only ever see a published version, and a published version never changes: publishing
or rolling back always writes a new, higher version number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update

from shirube.content import (
    counted_event_names,
    validate_checklist,
    validate_tour,
)
from shirube.content.goal import goal_counted_names, validate_goal
from shirube.content.references import document_references
from shirube.content.resource_center import validate_resource_center
from shirube.errors import Conflict, FieldError, NotFound, ValidationFailed
from shirube.services import audit
from shirube.services.audit import API_KEY, Actor
from shirube.services.kpi_jobs import queue_backfill
from shirube.services.workspaces import bump_content_revision
from shirube.storage import Connection
from shirube.storage.tables import content_item, content_version
from shirube.timeutil import isoformat, utcnow
from shirube.validation import MAX_DB_INT


@dataclass(frozen=True)
class ContentItem:
    """A tour or checklist: its draft and which version end users see."""

    id: int
    workspace_id: int
    kind: str
    key: str
    draft: dict[str, Any]
    published_version: int | None
    latest_version: int
    created_at: datetime
    updated_at: datetime
    # Moved on by every draft save (the console's editors send the revision they loaded).
    draft_revision: int = 0


@dataclass(frozen=True)
class Saved:
    item: ContentItem
    created: bool


_item = content_item.c
_ITEM_COLUMNS = (
    _item.id,
    _item.workspace_id,
    _item.kind,
    _item.key,
    _item.draft,
    _item.published_version,
    _item.latest_version,
    _item.created_at,
    _item.updated_at,
    _item.draft_revision,
)
_OF_KIND = (_item.workspace_id == bindparam("workspace_id"), _item.kind == bindparam("kind"))
_KEYS_OF_KIND = select(_item.key).where(*_OF_KIND)
_FIND = select(*_ITEM_COLUMNS).where(*_OF_KIND, _item.key == bindparam("key"))
_BY_ID = select(*_ITEM_COLUMNS).where(_item.id == bindparam("id"))
_LIST = select(*_ITEM_COLUMNS).where(*_OF_KIND).order_by(_item.key)
_CREATE = (
    content_item.insert()
    .values(
        workspace_id=bindparam("workspace_id"),
        kind=bindparam("kind"),
        key=bindparam("key"),
        draft=bindparam("draft"),
        latest_version=0,
        draft_revision=1,
        created_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    .returning(*_ITEM_COLUMNS)
)
# Compares and moves the revision in one statement: of two saves that both loaded revision
# N, one matches and the other finds N+1 (no row updated: a conflict).
_SAVE_DRAFT = (
    update(content_item)
    .where(_item.id == bindparam("id"), _item.draft_revision == bindparam("revision"))
    .values(
        draft=bindparam("draft"),
        updated_at=bindparam("now"),
        draft_revision=_item.draft_revision + 1,
    )
)
_VERSION_DOCUMENT = select(content_version.c.document).where(
    content_version.c.content_id == bindparam("id"),
    content_version.c.version == bindparam("version"),
)
# Allocated by one atomic UPDATE: two concurrent publishes get two different numbers.
_NEXT_VERSION = (
    update(content_item)
    .where(_item.id == bindparam("id"))
    .values(latest_version=_item.latest_version + 1)
    .returning(_item.latest_version)
)
_ADD_VERSION = content_version.insert().values(
    content_id=bindparam("id"),
    version=bindparam("version"),
    document=bindparam("document"),
    published_at=bindparam("now"),
    restored_from=bindparam("restored_from"),
)
_SET_PUBLISHED = (
    update(content_item)
    .where(_item.id == bindparam("id"))
    .values(published_version=bindparam("version"), updated_at=bindparam("now"))
)
_DELETE = delete(content_item).where(_item.id == bindparam("id"))
_VERSIONS = (
    select(
        content_version.c.version, content_version.c.published_at, content_version.c.restored_from
    )
    .where(content_version.c.content_id == bindparam("id"))
    .order_by(content_version.c.version.desc())
)


class StaleDraft(Conflict):
    """The draft was saved by someone else since the editor loaded it."""

    def __init__(self, kind: str, stored_revision: int) -> None:
        super().__init__(
            f"this {kind}'s draft was saved by someone else since you loaded it (draft "
            f"revision {stored_revision}); reload it, then make your change again",
            [FieldError("draft_revision", f"the stored draft is at revision {stored_revision}")],
        )
        self.stored_revision = stored_revision


def keys_of(conn: Connection, workspace_id: int, kind: str) -> set[str]:
    params = {"workspace_id": workspace_id, "kind": kind}
    return {key for (key,) in conn.all(_KEYS_OF_KIND, params)}


def tour_keys(conn: Connection, workspace_id: int) -> set[str]:
    return keys_of(conn, workspace_id, "tour")


def _validated(conn: Connection, workspace_id: int, kind: str, data: Any) -> Any:
    if kind == "tour":
        return validate_tour(data)
    tours = tour_keys(conn, workspace_id)
    checklists = keys_of(conn, workspace_id, "checklist")
    if kind == "goal":
        return validate_goal(data, tours, checklists)
    if kind == "resource_center":
        return validate_resource_center(data, tours, checklists)
    return validate_checklist(data, tours, checklist_keys=checklists)


def canonical(conn: Connection, workspace_id: int, kind: str, data: Any) -> dict[str, Any]:
    """Validate a tour, checklist or goal document and return its canonical JSON."""
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("", f"a {kind} must be a JSON object")])
    doc = _validated(conn, workspace_id, kind, data)
    result: dict[str, Any] = doc.model_dump(mode="json", exclude_none=True)
    return result


def find(conn: Connection, workspace_id: int, kind: str, key: str) -> ContentItem | None:
    row = conn.one(_FIND, {"workspace_id": workspace_id, "kind": kind, "key": key})
    return None if row is None else ContentItem(*row)


def get(conn: Connection, workspace_id: int, kind: str, key: str) -> ContentItem:
    item = find(conn, workspace_id, kind, key)
    if item is None:
        raise NotFound(kind)
    return item


def _reload(conn: Connection, item: ContentItem) -> ContentItem:
    return ContentItem(*conn.one(_BY_ID, {"id": item.id}))


def list_items(conn: Connection, workspace_id: int, kind: str) -> list[ContentItem]:
    rows = conn.all(_LIST, {"workspace_id": workspace_id, "kind": kind})
    return [ContentItem(*row) for row in rows]


def save_draft(
    conn: Connection,
    workspace_id: int,
    kind: str,
    data: Any,
    *,
    key: str | None = None,
    must_be_new: bool = False,
    actor: Actor = API_KEY,
    expected_revision: int | None = None,
) -> Saved:
    """Validate and store a draft. With `expected_revision`, only over that draft revision
    (StaleDraft otherwise, before validating: the editor must reload first); None saves over
    whatever is stored (the API's PUT without `draft_revision`, import)."""
    if key is not None and expected_revision is not None:
        stored = find(conn, workspace_id, kind, key)
        if stored is not None and stored.draft_revision != expected_revision:
            raise StaleDraft(kind, stored.draft_revision)
    document = canonical(conn, workspace_id, kind, data)
    if key is not None and document["key"] != key:
        raise ValidationFailed([FieldError("key", f"must match the key in the URL ({key!r})")])
    item = find(conn, workspace_id, kind, document["key"])
    if item is not None and must_be_new:
        raise Conflict(
            f"a {kind} with key {document['key']!r} already exists; use PUT to change it",
            [FieldError("key", "already exists")],
        )
    if (
        item is not None
        and expected_revision is not None
        and item.draft_revision != expected_revision
    ):
        raise StaleDraft(kind, item.draft_revision)
    now = utcnow()
    if item is None:
        row = conn.one(
            _CREATE,
            {
                "workspace_id": workspace_id,
                "kind": kind,
                "key": document["key"],
                "draft": document,
                "now": now,
            },
        )
        audit.record_draft(conn, workspace_id, kind, document["key"], None, document, actor=actor)
        return Saved(ContentItem(*row), created=True)
    revision = item.draft_revision if expected_revision is None else expected_revision
    params = {"id": item.id, "draft": document, "now": now, "revision": revision}
    if conn.run(_SAVE_DRAFT, params) == 0:
        # Saved by someone else between our read and this write.
        raise StaleDraft(kind, _reload(conn, item).draft_revision)
    audit.record_draft(conn, workspace_id, kind, item.key, item.draft, document, actor=actor)
    return Saved(_reload(conn, item), created=False)


def published_document(conn: Connection, item: ContentItem) -> dict[str, Any] | None:
    if item.published_version is None:
        return None
    return version_document(conn, item, item.published_version)


def version_document(conn: Connection, item: ContentItem, version: int) -> dict[str, Any]:
    if not 1 <= version <= MAX_DB_INT:
        raise NotFound("version")
    document = conn.scalar(_VERSION_DOCUMENT, {"id": item.id, "version": version})
    if document is None:
        raise NotFound("version")
    return dict(document)


def _counted_names(conn: Connection, item: ContentItem, document: dict[str, Any]) -> set[str]:
    """The event names the document's rules count. Re-validating against today's content
    catches a tour or checklist deleted since the draft was saved."""
    if item.kind in ("tour", "resource_center"):
        return set()
    doc = _validated(conn, item.workspace_id, item.kind, document)
    return goal_counted_names(doc) if item.kind == "goal" else counted_event_names(doc)


def _new_version(
    conn: Connection,
    item: ContentItem,
    document: dict[str, Any],
    restored_from: int | None,
    actor: Actor,
) -> int:
    counted = _counted_names(conn, item, document)
    before = published_document(conn, item)
    version = int(conn.scalar(_NEXT_VERSION, {"id": item.id}))
    now = utcnow()
    conn.run(
        _ADD_VERSION,
        {
            "id": item.id,
            "version": version,
            "document": document,
            "now": now,
            "restored_from": restored_from,
        },
    )
    conn.run(_SET_PUBLISHED, {"id": item.id, "version": version, "now": now})
    bump_content_revision(conn, item.workspace_id, counted)
    # Every user's figures for this version, recomputed from the log in the background (a help
    # centre has none).
    if item.kind != "resource_center":
        queue_backfill(conn, item.workspace_id, item.kind, item.key, version)
    detail: dict[str, Any] = {"version": version, "restored_from": restored_from}
    action = "published" if restored_from is None else "rolled_back"
    audit.record(
        conn,
        item.workspace_id,
        action,
        item.kind,
        item.key,
        actor=actor,
        before=before,
        after=document,
        detail=detail,
    )
    return version


def publish(conn: Connection, item: ContentItem, *, actor: Actor = API_KEY) -> tuple[int, bool]:
    """Publish the draft; return (version, whether a new version was made)."""
    current = published_document(conn, item)
    if current == item.draft and item.published_version is not None:
        return item.published_version, False
    return _new_version(conn, item, item.draft, None, actor), True


def rollback(conn: Connection, item: ContentItem, version: int, *, actor: Actor = API_KEY) -> int:
    return _new_version(conn, item, version_document(conn, item, version), version, actor)


# What other content may refer to (and so may not go while referred to).
_REFERABLE = ("tour", "checklist")


def unpublish(conn: Connection, item: ContentItem, *, actor: Actor = API_KEY) -> ContentItem:
    if item.published_version is None:
        return item
    users = _referencing(conn, item, drafts=False) if item.kind in _REFERABLE else []
    if users:
        # Their rules would wait for what end users no longer see.
        raise Conflict(
            f"{item.kind} {item.key!r} is used by published {', '.join(users)}; change them first"
        )
    before = published_document(conn, item)
    conn.run(_SET_PUBLISHED, {"id": item.id, "version": None, "now": utcnow()})
    bump_content_revision(conn, item.workspace_id)
    detail = {"version": item.published_version}
    audit.record(
        conn,
        item.workspace_id,
        "unpublished",
        item.kind,
        item.key,
        actor=actor,
        before=before,
        detail=detail,
    )
    return _reload(conn, item)


def _referencing(conn: Connection, item: ContentItem, *, drafts: bool = True) -> list[str]:
    """The checklists, goals and help centres whose published version (or draft) refers to
    `item`."""
    found: set[str] = set()
    for kind in ("checklist", "goal", "resource_center"):
        for other in list_items(conn, item.workspace_id, kind):
            documents = [other.draft] if drafts else []
            published = published_document(conn, other)
            if published is not None:
                documents.append(published)
            if any((item.kind, item.key) in document_references(kind, d) for d in documents):
                found.add(f"{kind} {other.key}")
    return sorted(found)


def delete_item(conn: Connection, item: ContentItem, *, actor: Actor = API_KEY) -> None:
    users = _referencing(conn, item) if item.kind in _REFERABLE else []
    if users:
        raise Conflict(f"{item.kind} {item.key!r} is used by {', '.join(users)}; change them first")
    if item.published_version is not None:
        bump_content_revision(conn, item.workspace_id)
    conn.run(_DELETE, {"id": item.id})
    audit.record(
        conn, item.workspace_id, "deleted", item.kind, item.key, actor=actor, before=item.draft
    )


def versions(conn: Connection, item: ContentItem) -> list[dict[str, Any]]:
    return [
        {
            "version": row.version,
            "published_at": isoformat(row.published_at),
            "restored_from": row.restored_from,
            "live": row.version == item.published_version,
        }
        for row in conn.all(_VERSIONS, {"id": item.id})
    ]


def describe(conn: Connection, item: ContentItem, *, with_draft: bool = True) -> dict[str, Any]:
    published = published_document(conn, item)
    body: dict[str, Any] = {
        "key": item.key,
        "published_version": item.published_version,
        "latest_version": item.latest_version,
        "has_unpublished_changes": published != item.draft,
        "draft_revision": item.draft_revision,
        "created_at": isoformat(item.created_at),
        "updated_at": isoformat(item.updated_at),
    }
    if with_draft:
        body["draft"] = item.draft
    return body
