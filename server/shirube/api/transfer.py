"""Server API for content as code: export and import (services/transfer.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from shirube.api.auth import server_workspace
from shirube.api.query import Flag
from shirube.api.request_body import read_json
from shirube.api.routing import get_context, route
from shirube.jsonresponse import JSONResponse
from shirube.services.transfer import export_document, import_document

PUBLISH = Flag("publish", True, "false: create or update the drafts and publish nothing")


async def export_content(request: Request) -> Response:
    workspace = await server_workspace(request)
    # One transaction: one snapshot, so the checklists exported name tours it holds.
    document = await get_context(request).db.run(lambda conn: export_document(conn, workspace.id))
    return JSONResponse(document)


async def import_content(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    publish = PUBLISH.read(request)
    data = await read_json(request, ctx.settings.max_body_bytes)
    summary = await ctx.db.run(
        lambda conn: import_document(conn, workspace.id, data, publish=publish)
    )
    return JSONResponse(summary)


routes = [
    route("/api/v1/content/export", GET=export_content),
    route("/api/v1/content/import", query=(PUBLISH,), POST=import_content),
]
