"""Content as code: export a workspace's tours and checklists as one JSON document, and
import such a document (all or nothing) to create, update and publish them."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.api.auth import server_workspace
from shirube.content import FORMAT, validate_document
from shirube.context import get_context
from shirube.errors import ApiError
from shirube.jsonresponse import JSONResponse
from shirube.services import content_store as store
from shirube.validation import read_json


def export_document(session: Session, workspace_id: int) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "tours": [item.draft for item in store.list_items(session, workspace_id, "tour")],
        "checklists": [item.draft for item in store.list_items(session, workspace_id, "checklist")],
    }


def import_document(
    session: Session, workspace_id: int, data: Any, *, publish: bool
) -> dict[str, Any]:
    document = validate_document(data, store.tour_keys(session, workspace_id))
    summary: dict[str, Any] = {"created": [], "updated": [], "unchanged": [], "published": []}
    # Tours first: checklists may refer to tours created by this same import.
    entries: list[tuple[str, Any]] = [("tour", t) for t in document.tours]
    entries += [("checklist", c) for c in document.checklists]
    for kind, doc in entries:
        label = f"{kind}:{doc.key}"
        before = store.find(session, workspace_id, kind, doc.key)
        before_draft = dict(before.draft) if before is not None else None
        saved = store.save_draft(
            session, workspace_id, kind, doc.model_dump(mode="json", exclude_none=True)
        )
        if saved.created:
            summary["created"].append(label)
        elif before_draft != saved.item.draft:
            summary["updated"].append(label)
        else:
            summary["unchanged"].append(label)
        if publish:
            version, changed = store.publish(session, saved.item)
            if changed:
                summary["published"].append({"content": label, "version": version})
    return summary


async def export_content(request: Request) -> Response:
    workspace = await server_workspace(request)
    ws = workspace.id
    assert ws is not None
    return JSONResponse(await get_context(request).db.run(lambda s: export_document(s, ws)))


async def import_content(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    publish_param = request.query_params.get("publish", "true").lower()
    if publish_param not in ("true", "false"):
        raise ApiError(400, "bad_request", "query parameter publish must be true or false")
    data = await read_json(request, ctx.settings.max_body_bytes)
    ws = workspace.id
    assert ws is not None
    summary = await ctx.db.run(
        lambda s: import_document(s, ws, data, publish=publish_param == "true")
    )
    return JSONResponse(summary)


routes = [
    Route("/api/v1/content/export", export_content, methods=["GET"]),
    Route("/api/v1/content/import", import_content, methods=["POST"]),
]
