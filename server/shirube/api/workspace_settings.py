"""Server API for the workspace itself: settings, identity-secret rotation, identity coverage."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from shirube.api.auth import server_workspace
from shirube.api.query import Count, Flag
from shirube.api.request_body import read_model
from shirube.api.routing import get_context, route
from shirube.jsonresponse import JSONResponse
from shirube.services import workspaces
from shirube.services.workspace_settings import WorkspacePatch

FINISH = Flag("finish", False, "true: retire the previous secret instead of issuing a new one")
DAYS = Count("days", 30, 1, 366, "how many days back, today included")


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
    if FINISH.read(request):
        await db.run(lambda conn: workspaces.finish_rotation(conn, workspace.id))
        return JSONResponse({"identity_secret_rotating": False})
    secret = await db.run(lambda conn: workspaces.rotate_identity_secret(conn, workspace.id))
    return JSONResponse({"identity_secret": secret, "identity_secret_rotating": True})


async def identity_stats(request: Request) -> Response:
    workspace = await server_workspace(request)
    days = DAYS.read(request)
    stats = await get_context(request).db.run(
        lambda conn: workspaces.identity_stats(conn, workspace, days), transaction=False
    )
    return JSONResponse(stats)


routes = [
    route("/api/v1/workspace", GET=get_workspace, PATCH=patch_workspace),
    route("/api/v1/workspace/identity-secret/rotate", query=(FINISH,), POST=rotate_identity_secret),
    route("/api/v1/workspace/identity-stats", query=(DAYS,), GET=identity_stats),
]
