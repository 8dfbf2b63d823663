"""Server API for tours, checklists, goals and help centres: CRUD on drafts, publish,
versions, rollback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response

from shirube.api.auth import server_workspace
from shirube.api.query import Count
from shirube.api.request_body import read_json, read_model
from shirube.api.routing import get_context, route
from shirube.jsonresponse import JSONResponse
from shirube.services import content_store as store
from shirube.services.workspaces import Workspace
from shirube.storage import Connection
from shirube.validation import MAX_DB_INT, Strict

KINDS = {
    "tours": "tour",
    "checklists": "checklist",
    "goals": "goal",
    "resource_centers": "resource_center",
}


# Optional on PUT: save only over this draft revision (409 when someone saved since).
DRAFT_REVISION = Count(
    "draft_revision",
    0,
    0,
    MAX_DB_INT,
    "save only if the stored draft is still at this revision (the `draft_revision` you read); "
    "409 conflict when someone saved since. Absent: save over whatever is stored",
)


class RollbackBody(Strict):
    version: int = Field(ge=1, le=MAX_DB_INT)


class ContentKindConvertor(Convertor[str]):
    regex = "tours|checklists|goals|resource_centers"

    def convert(self, value: str) -> str:
        return KINDS[value]

    def to_string(self, value: str) -> str:
        return value + "s"


register_url_convertor("content_kind", ContentKindConvertor())


def _kind(request: Request) -> str:
    kind: str = request.path_params["kind"]
    return kind


async def _run(
    request: Request,
    work: Callable[[Connection, int, str], Any],
    workspace: Workspace | None = None,
) -> Any:
    """Authenticate (unless the caller did), then run `work(conn, workspace_id, kind)` in
    one transaction."""
    workspace = workspace or await server_workspace(request)
    kind = _kind(request)
    workspace_id = workspace.id
    return await get_context(request).db.run(lambda conn: work(conn, workspace_id, kind))


async def list_content(request: Request) -> Response:
    def work(conn: Connection, ws: int, kind: str) -> list[dict[str, Any]]:
        items = store.list_items(conn, ws, kind)
        return [store.describe(conn, item, with_draft=False) for item in items]

    return JSONResponse({"data": await _run(request, work)})


async def create_content(request: Request) -> Response:
    workspace = await server_workspace(request)
    data = await read_json(request, get_context(request).settings.max_body_bytes)

    def work(conn: Connection, ws: int, kind: str) -> dict[str, Any]:
        saved = store.save_draft(conn, ws, kind, data, must_be_new=True)
        return store.describe(conn, saved.item)

    return JSONResponse(await _run(request, work, workspace), status_code=201)


async def get_content(request: Request) -> Response:
    key = request.path_params["key"]

    def work(conn: Connection, ws: int, kind: str) -> dict[str, Any]:
        return store.describe(conn, store.get(conn, ws, kind, key))

    return JSONResponse(await _run(request, work))


async def put_content(request: Request) -> Response:
    key = request.path_params["key"]
    workspace = await server_workspace(request)
    expected = DRAFT_REVISION.read(request) if DRAFT_REVISION.name in request.query_params else None
    data = await read_json(request, get_context(request).settings.max_body_bytes)

    def work(conn: Connection, ws: int, kind: str) -> tuple[dict[str, Any], bool]:
        saved = store.save_draft(conn, ws, kind, data, key=key, expected_revision=expected)
        return store.describe(conn, saved.item), saved.created

    body, created = await _run(request, work, workspace)
    return JSONResponse(body, status_code=201 if created else 200)


async def delete_content(request: Request) -> Response:
    key = request.path_params["key"]

    def work(conn: Connection, ws: int, kind: str) -> None:
        store.delete_item(conn, store.get(conn, ws, kind, key))

    await _run(request, work)
    return Response(status_code=204)


async def publish_content(request: Request) -> Response:
    key = request.path_params["key"]

    def work(conn: Connection, ws: int, kind: str) -> dict[str, Any]:
        item = store.get(conn, ws, kind, key)
        version, changed = store.publish(conn, item)
        return {"key": key, "version": version, "changed": changed}

    return JSONResponse(await _run(request, work))


async def unpublish_content(request: Request) -> Response:
    key = request.path_params["key"]

    def work(conn: Connection, ws: int, kind: str) -> dict[str, Any]:
        item = store.unpublish(conn, store.get(conn, ws, kind, key))
        return store.describe(conn, item, with_draft=False)

    return JSONResponse(await _run(request, work))


async def list_versions(request: Request) -> Response:
    key = request.path_params["key"]

    def work(conn: Connection, ws: int, kind: str) -> list[dict[str, Any]]:
        return store.versions(conn, store.get(conn, ws, kind, key))

    return JSONResponse({"data": await _run(request, work)})


async def get_version(request: Request) -> Response:
    key, version = request.path_params["key"], request.path_params["version"]

    def work(conn: Connection, ws: int, kind: str) -> dict[str, Any]:
        item = store.get(conn, ws, kind, key)
        return {
            "key": key,
            "version": version,
            "document": store.version_document(conn, item, version),
        }

    return JSONResponse(await _run(request, work))


async def rollback_content(request: Request) -> Response:
    key = request.path_params["key"]
    workspace = await server_workspace(request)
    body = await read_model(request, RollbackBody, get_context(request).settings.max_body_bytes)

    def work(conn: Connection, ws: int, kind: str) -> dict[str, Any]:
        item = store.get(conn, ws, kind, key)
        version = store.rollback(conn, item, body.version)
        return {"key": key, "version": version, "restored_from": body.version}

    return JSONResponse(await _run(request, work, workspace))


_BASE = "/api/v1/{kind:content_kind}"
_ITEM = _BASE + "/{key:str}"
routes = [
    route(_BASE, GET=list_content, POST=create_content),
    route(
        _ITEM,
        query=(DRAFT_REVISION,),
        GET=get_content,
        PUT=put_content,
        DELETE=delete_content,
    ),
    route(_ITEM + "/publish", POST=publish_content),
    route(_ITEM + "/unpublish", POST=unpublish_content),
    route(_ITEM + "/versions", GET=list_versions),
    route(_ITEM + "/versions/{version:int}", GET=get_version),
    route(_ITEM + "/rollback", POST=rollback_content),
]
