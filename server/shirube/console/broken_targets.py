"""The broken-target report page of a workspace (`/console/workspaces/{id}/broken-targets`):
the tour steps whose target went missing in the last week (services/broken_targets.py), for
every role. English or Japanese by the browser's preference (console/target_labels.py)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.console.auth import require_admin
from shirube.console.labels import language_of
from shirube.console.render import render
from shirube.console.state import console_of
from shirube.console.target_labels import TARGETS
from shirube.services.admins import WorkspaceRole, workspace_role
from shirube.services.broken_targets import (
    PAGES_SHOWN,
    WINDOW_DAYS,
    BrokenStep,
    broken_targets,
)
from shirube.storage import Connection
from shirube.timeutil import utcnow
from shirube.validation import MAX_DB_INT


async def page(request: Request) -> Response:
    admin = await require_admin(request)
    workspace_id: int = request.path_params["workspace_id"]
    if not 1 <= workspace_id <= MAX_DB_INT:
        raise HTTPException(404)
    lang = language_of(request)
    now = utcnow()

    def work(conn: Connection) -> tuple[WorkspaceRole, list[BrokenStep]] | None:
        access = workspace_role(conn, admin.id, workspace_id)
        if access is None:
            return None
        return access, broken_targets(conn, workspace_id, now, lang)

    found = await console_of(request).context.db.run(work, transaction=False)
    if found is None:
        # Absent, or someone else's: the same answer.
        raise HTTPException(404)
    access, steps = found
    context = {
        "lang": lang,
        "t": TARGETS[lang],
        "ws": access.workspace,
        "role": access.role,
        "steps": steps,
        "days": WINDOW_DAYS,
        "pages_shown": PAGES_SHOWN,
    }
    return render(request, "broken_targets.html", context, admin=admin)


routes = [Route("/workspaces/{workspace_id:int}/broken-targets", page, methods=["GET"])]
