"""Drafts, publishing, versions and rollback of tours and checklists.

End users only ever see a published version, and a published version never changes: publishing
or rolling back always writes a new, higher version number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from shirube.content import ChecklistDoc, tour_references, validate_checklist, validate_tour
from shirube.errors import ApiError, FieldError, ValidationFailed, not_found
from shirube.models import ContentItem, ContentVersion
from shirube.services.workspaces import bump_content_revision
from shirube.timeutil import isoformat, utcnow
from shirube.validation import MAX_DB_INT


@dataclass(frozen=True)
class Saved:
    item: ContentItem
    created: bool


def tour_keys(session: Session, workspace_id: int) -> set[str]:
    return set(
        session.exec(
            select(ContentItem.key).where(
                ContentItem.workspace_id == workspace_id, ContentItem.kind == "tour"
            )
        ).all()
    )


def canonical(session: Session, workspace_id: int, kind: str, data: Any) -> dict[str, Any]:
    """Validate a tour or checklist document and return its canonical JSON."""
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("", f"a {kind} must be a JSON object")])
    if kind == "tour":
        doc: Any = validate_tour(data)
    else:
        doc = validate_checklist(data, tour_keys(session, workspace_id))
    result: dict[str, Any] = doc.model_dump(mode="json", exclude_none=True)
    return result


def find(session: Session, workspace_id: int, kind: str, key: str) -> ContentItem | None:
    return session.exec(
        select(ContentItem).where(
            ContentItem.workspace_id == workspace_id,
            ContentItem.kind == kind,
            ContentItem.key == key,
        )
    ).first()


def get(session: Session, workspace_id: int, kind: str, key: str) -> ContentItem:
    item = find(session, workspace_id, kind, key)
    if item is None:
        raise not_found(kind)
    return item


def list_items(session: Session, workspace_id: int, kind: str) -> list[ContentItem]:
    return list(
        session.exec(
            select(ContentItem)
            .where(ContentItem.workspace_id == workspace_id, ContentItem.kind == kind)
            .order_by(col(ContentItem.key))
        ).all()
    )


def save_draft(
    session: Session,
    workspace_id: int,
    kind: str,
    data: Any,
    *,
    key: str | None = None,
    must_be_new: bool = False,
) -> Saved:
    document = canonical(session, workspace_id, kind, data)
    if key is not None and document["key"] != key:
        raise ValidationFailed([FieldError("key", f"must match the key in the URL ({key!r})")])
    item = find(session, workspace_id, kind, document["key"])
    if item is not None and must_be_new:
        raise ApiError(
            409,
            "conflict",
            f"a {kind} with key {document['key']!r} already exists; use PUT to change it",
            [FieldError("key", "already exists")],
        )
    now = utcnow()
    if item is None:
        item = ContentItem(
            workspace_id=workspace_id,
            kind=kind,
            key=document["key"],
            draft=document,
            created_at=now,
            updated_at=now,
        )
        session.add(item)
        session.flush()
        return Saved(item, created=True)
    item.draft = document
    item.updated_at = now
    session.add(item)
    session.flush()
    return Saved(item, created=False)


def published_document(session: Session, item: ContentItem) -> dict[str, Any] | None:
    if item.published_version is None:
        return None
    return version_document(session, item, item.published_version)


def version_document(session: Session, item: ContentItem, version: int) -> dict[str, Any]:
    if not 1 <= version <= MAX_DB_INT:
        raise not_found("version")
    document = session.exec(
        select(ContentVersion.document).where(
            ContentVersion.content_id == item.id, ContentVersion.version == version
        )
    ).first()
    if document is None:
        raise not_found("version")
    return dict(document)


def _check_references_exist(session: Session, item: ContentItem, document: dict[str, Any]) -> None:
    if item.kind != "checklist":
        return
    # Re-validating against today's tours catches a tour deleted since the draft was saved.
    validate_checklist(document, tour_keys(session, item.workspace_id))


def _new_version(
    session: Session, item: ContentItem, document: dict[str, Any], restored_from: int | None
) -> int:
    table = ContentItem.__table__  # type: ignore[attr-defined]
    # Allocated by one atomic UPDATE: two concurrent publishes get two different numbers.
    version: int = session.execute(
        update(table)
        .where(table.c.id == item.id)
        .values(latest_version=table.c.latest_version + 1)
        .returning(table.c.latest_version)
    ).scalar_one()
    assert item.id is not None
    session.add(
        ContentVersion(
            content_id=item.id, version=version, document=document, restored_from=restored_from
        )
    )
    session.execute(
        update(table)
        .where(table.c.id == item.id)
        .values(published_version=version, updated_at=utcnow())
    )
    bump_content_revision(session, item.workspace_id)
    session.refresh(item)
    return version


def publish(session: Session, item: ContentItem) -> tuple[int, bool]:
    """Publish the draft; return (version, whether a new version was made)."""
    current = published_document(session, item)
    if current == item.draft and item.published_version is not None:
        return item.published_version, False
    _check_references_exist(session, item, item.draft)
    return _new_version(session, item, item.draft, None), True


def rollback(session: Session, item: ContentItem, version: int) -> int:
    document = version_document(session, item, version)
    _check_references_exist(session, item, document)
    return _new_version(session, item, document, version)


def unpublish(session: Session, item: ContentItem) -> None:
    if item.published_version is None:
        return
    item.published_version = None
    item.updated_at = utcnow()
    session.add(item)
    bump_content_revision(session, item.workspace_id)
    session.flush()


def _referencing_checklists(session: Session, workspace_id: int, tour_key: str) -> list[str]:
    keys: set[str] = set()
    checklists = list_items(session, workspace_id, "checklist")
    for checklist in checklists:
        documents = [checklist.draft]
        published = published_document(session, checklist)
        if published is not None:
            documents.append(published)
        for document in documents:
            if tour_key in tour_references(ChecklistDoc.model_validate(document)):
                keys.add(checklist.key)
    return sorted(keys)


def delete(session: Session, item: ContentItem) -> None:
    if item.kind == "tour":
        users = _referencing_checklists(session, item.workspace_id, item.key)
        if users:
            raise ApiError(
                409,
                "conflict",
                f"tour {item.key!r} is used by checklist(s) {', '.join(users)}; change them first",
            )
    if item.published_version is not None:
        bump_content_revision(session, item.workspace_id)
    session.delete(item)
    session.flush()


def versions(session: Session, item: ContentItem) -> list[dict[str, Any]]:
    rows = session.exec(
        select(ContentVersion)
        .where(ContentVersion.content_id == item.id)
        .order_by(col(ContentVersion.version).desc())
    ).all()
    return [
        {
            "version": row.version,
            "published_at": isoformat(row.published_at),
            "restored_from": row.restored_from,
            "live": row.version == item.published_version,
        }
        for row in rows
    ]


def describe(session: Session, item: ContentItem, *, with_draft: bool = True) -> dict[str, Any]:
    published = published_document(session, item)
    body: dict[str, Any] = {
        "key": item.key,
        "published_version": item.published_version,
        "latest_version": item.latest_version,
        "has_unpublished_changes": published != item.draft,
        "created_at": isoformat(item.created_at),
        "updated_at": isoformat(item.updated_at),
    }
    if with_draft:
        body["draft"] = item.draft
    return body
