"""Server API for the workspace itself: settings, identity-secret rotation, identity coverage."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.api.auth import server_workspace
from shirube.api.errors import ApiError
from shirube.api.request_body import read_model
from shirube.api.routing import get_context, route
from shirube.jsonresponse import JSONResponse
from shirube.services import workspaces
from shirube.services.workspace_settings import WorkspacePatch


async def get_workspace(request: Request) -> Response:
    return JSONResponse((await server_workspace(request)).as_json())


async def patch_workspace(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    patch = await read_model(request, WorkspacePatch, ctx.settings.max_body_bytes)
    changed = await ctx.db.run(
        lambda conn: workspaces.update_workspace(conn, workspace.id, patch.changes())
    )
    return JSONResponse(changed.as_json())


async def rotate_identity_secret(request: Request) -> Response:
    """Issue a new identity secret; the old one stays valid until the next rotation (or until
    `finish` is called), so host backends can switch over without a window of failures."""
    workspace = await server_workspace(request)
    db = get_context(request).db
    if request.query_params.get("finish") == "true":
        await db.run(lambda conn: workspaces.finish_rotation(conn, workspace.id))
        return JSONResponse({"identity_secret_rotating": False})
    secret = await db.run(lambda conn: workspaces.rotate_identity_secret(conn, workspace.id))
    return JSONResponse({"identity_secret": secret, "identity_secret_rotating": True})


async def identity_stats(request: Request) -> Response:
    workspace = await server_workspace(request)
    raw_days = request.query_params.get("days", "30")
    # isascii(): isdigit() alone takes "²", which int() refuses (a 500).
    if not (raw_days.isascii() and raw_days.isdigit() and len(raw_days) <= 3) or not (
        1 <= int(raw_days) <= 366
    ):
        raise ApiError(400, "bad_request", "query parameter days must be between 1 and 366")
    stats = await get_context(request).db.run(
        lambda conn: workspaces.identity_stats(conn, workspace, int(raw_days)), transaction=False
    )
    return JSONResponse(stats)


routes = [
    route("/api/v1/workspace", GET=get_workspace, PATCH=patch_workspace),
    Route("/api/v1/workspace/identity-secret/rotate", rotate_identity_secret, methods=["POST"]),
    Route("/api/v1/workspace/identity-stats", identity_stats, methods=["GET"]),
]
