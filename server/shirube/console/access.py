"""Who may do what in a workspace's console pages: every role reads; editors and owners change
content, the builder and the theme; only owners change settings, keys, webhooks (an endpoint
receives every event of the workspace) and admins. Checked on the
server for every route (tests/console/test_roles.py walks them all)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

from shirube.console.state import console_of
from shirube.errors import NotAllowed
from shirube.services.admins import Admin, WorkspaceRole, workspace_role
from shirube.services.audit import Actor
from shirube.validation import MAX_DB_INT

# Each role may do what the ones after it may.
RANK = {"owner": 3, "editor": 2, "viewer": 1}


def allows(role: str, need: str) -> bool:
    return RANK.get(role, 0) >= RANK[need]


async def workspace_access(request: Request, admin: Admin, need: str = "viewer") -> WorkspaceRole:
    """The admin's role in the page's workspace. 404 when it has none, the same answer as for a
    workspace that does not exist; NotAllowed (403) when the role is below `need`."""
    workspace_id: int = request.path_params["workspace_id"]
    if not 1 <= workspace_id <= MAX_DB_INT:
        raise HTTPException(404)
    access = await console_of(request).context.db.run(
        lambda conn: workspace_role(conn, admin.id, workspace_id), transaction=False
    )
    if access is None:
        raise HTTPException(404)
    if not allows(access.role, need):
        raise NotAllowed("forbidden", f"your role ({access.role}) cannot do this; it needs {need}")
    return access


def actor_of(admin: Admin) -> Actor:
    """The admin as the audit log names them."""
    return Actor.admin(admin.id, admin.email)
