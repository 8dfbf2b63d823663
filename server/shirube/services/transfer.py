"""Content as code: export a workspace's tours, checklists, goals and help centres as one JSON
document, and
import such a document (all or nothing) to create, update and publish them. The server API,
the CLI and the demo's provisioning all go through here."""

from __future__ import annotations

from typing import Any

from shirube.content import FORMAT, validate_document
from shirube.services import content_store as store
from shirube.services.audit import API_KEY, Actor
from shirube.storage import Connection


def export_document(conn: Connection, workspace_id: int) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "tours": [item.draft for item in store.list_items(conn, workspace_id, "tour")],
        "checklists": [item.draft for item in store.list_items(conn, workspace_id, "checklist")],
        "goals": [item.draft for item in store.list_items(conn, workspace_id, "goal")],
        "resource_centers": [
            item.draft for item in store.list_items(conn, workspace_id, "resource_center")
        ],
    }


def import_document(
    conn: Connection, workspace_id: int, data: Any, *, publish: bool, actor: Actor = API_KEY
) -> dict[str, Any]:
    """Run inside one transaction: a document with any error changes nothing."""
    document = validate_document(
        data,
        store.tour_keys(conn, workspace_id),
        existing_checklist_keys=store.keys_of(conn, workspace_id, "checklist"),
    )
    summary: dict[str, Any] = {"created": [], "updated": [], "unchanged": [], "published": []}
    # Tours first: checklists, goals and help centres may refer to content of this same import.
    entries: list[tuple[str, Any]] = [("tour", t) for t in document.tours]
    entries += [("checklist", c) for c in document.checklists]
    entries += [("goal", g) for g in document.goals]
    entries += [("resource_center", r) for r in document.resource_centers]
    for kind, doc in entries:
        label = f"{kind}:{doc.key}"
        before = store.find(conn, workspace_id, kind, doc.key)
        saved = store.save_draft(
            conn, workspace_id, kind, doc.model_dump(mode="json", exclude_none=True), actor=actor
        )
        if saved.created:
            summary["created"].append(label)
        elif before is not None and before.draft != saved.item.draft:
            summary["updated"].append(label)
        else:
            summary["unchanged"].append(label)
        if publish:
            version, changed = store.publish(conn, saved.item, actor=actor)
            if changed:
                summary["published"].append({"content": label, "version": version})
    return summary
