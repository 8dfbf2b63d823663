"""Server API for content as code: export and import (services/transfer.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.api.auth import server_workspace
from shirube.api.errors import ApiError
from shirube.api.request_body import read_json
from shirube.api.routing import get_context
from shirube.jsonresponse import JSONResponse
from shirube.services.transfer import export_document, import_document


async def export_content(request: Request) -> Response:
    workspace = await server_workspace(request)
    # One transaction: one snapshot, so the checklists exported name tours it holds.
    document = await get_context(request).db.run(lambda conn: export_document(conn, workspace.id))
    return JSONResponse(document)


async def import_content(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    publish_param = request.query_params.get("publish", "true").lower()
    if publish_param not in ("true", "false"):
        raise ApiError(400, "bad_request", "query parameter publish must be true or false")
    data = await read_json(request, ctx.settings.max_body_bytes)
    summary = await ctx.db.run(
        lambda conn: import_document(conn, workspace.id, data, publish=publish_param == "true")
    )
    return JSONResponse(summary)


routes = [
    Route("/api/v1/content/export", export_content, methods=["GET"]),
    Route("/api/v1/content/import", import_content, methods=["POST"]),
]
