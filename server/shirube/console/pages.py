"""The signed-in pages: the admin's workspaces, and one workspace's overview."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.console.auth import require_admin
from shirube.console.history_labels import HISTORY
from shirube.console.labels import language_of
from shirube.console.render import render
from shirube.console.state import console_of
from shirube.console.target_labels import TARGETS
from shirube.console.theme_labels import THEME
from shirube.console.workspace_labels import WORKSPACE
from shirube.services.admins import admin_workspaces, workspace_role
from shirube.services.overview import COVERAGE_DAYS, Overview, load_overview
from shirube.storage import Connection
from shirube.validation import MAX_DB_INT


async def home(request: Request) -> Response:
    admin = await require_admin(request)
    workspaces = await console_of(request).context.db.run(
        lambda conn: admin_workspaces(conn, admin.id), transaction=False
    )
    context = {"workspaces": workspaces, "w": WORKSPACE[language_of(request)]}
    return render(request, "home.html", context, admin=admin)


async def workspace(request: Request) -> Response:
    admin = await require_admin(request)
    admin_id, workspace_id = admin.id, request.path_params["workspace_id"]
    if not 1 <= workspace_id <= MAX_DB_INT:
        raise HTTPException(404)

    def work(conn: Connection) -> Overview | None:
        access = workspace_role(conn, admin_id, workspace_id)
        return load_overview(conn, access) if access is not None else None

    overview = await console_of(request).context.db.run(work)
    if overview is None:
        # Absent, or someone else's: the same answer.
        raise HTTPException(404)
    lang = language_of(request)
    return render(
        request,
        "workspace.html",
        {
            "overview": overview,
            "coverage_days": COVERAGE_DAYS,
            "w": WORKSPACE[lang],
            # The words of the links to the history, admins and audit pages (#14).
            "h": HISTORY[lang],
            "theme_t": THEME[lang],
            "targets_t": TARGETS[lang],
        },
        admin=admin,
    )


routes = [
    Route("/", home, methods=["GET"]),
    Route("/workspaces/{workspace_id:int}", workspace, methods=["GET"]),
]
