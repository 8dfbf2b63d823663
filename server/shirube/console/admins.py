"""A workspace's admins: who has which role, and, for owners, inviting an admin (a new account
gets a generated password, shown once, which its admin replaces at first sign-in:
console/password.py), changing a role and removing one. The last owner stays
(services/workspace_admins.py)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.console.access import actor_of, allows, workspace_access
from shirube.console.auth import require_admin
from shirube.console.forms import checked_form
from shirube.console.history_labels import HISTORY
from shirube.console.labels import language_of
from shirube.console.render import redirect, render
from shirube.console.state import console_of
from shirube.errors import DomainError, NotFound
from shirube.services import workspace_admins as members
from shirube.services.admins import Admin, WorkspaceRole


def _path(access: WorkspaceRole) -> str:
    return f"/console/workspaces/{access.workspace.id}/admins"


def _context(request: Request, access: WorkspaceRole, **extra: Any) -> dict[str, Any]:
    lang = language_of(request)
    return {
        "lang": lang,
        "t": HISTORY[lang],
        "ws": access.workspace,
        "role": access.role,
        "roles": members.ROLES,
        "can_manage": allows(access.role, "owner"),
        **extra,
    }


async def admins_page(
    request: Request,
    *,
    admin: Admin | None = None,
    access: WorkspaceRole | None = None,
    error: str | None = None,
    status: int = 200,
    email: str = "",
) -> Response:
    admin = admin or await require_admin(request)
    access = access or await workspace_access(request, admin)
    workspace_id = access.workspace.id
    found = await console_of(request).context.db.run(
        lambda conn: members.members(conn, workspace_id), transaction=False
    )
    context = _context(request, access, members=found, error=error, email=email, me=admin.id)
    return render(request, "admins.html", context, admin=admin, status=status)


def _refusal(request: Request, exc: DomainError) -> str:
    return HISTORY[language_of(request)]["could_not"].format(message=exc.message)


async def invite(request: Request) -> Response:
    admin = await require_admin(request)
    fields = await checked_form(request)
    access = await workspace_access(request, admin, "owner")
    email, role = fields.get("email", ""), fields.get("role", "")
    workspace_id, actor = access.workspace.id, actor_of(admin)
    try:
        invited = await console_of(request).context.db.run(
            lambda conn: members.invite(conn, workspace_id, email, role, actor=actor)
        )
    except DomainError as exc:
        status = 409 if exc.code == "conflict" else 422
        pending = isinstance(exc, members.PasswordPending)
        error = HISTORY[language_of(request)]["password_pending"] if pending else None
        return await admins_page(
            request,
            admin=admin,
            access=access,
            error=error or _refusal(request, exc),
            status=status,
            email=email,
        )
    context = _context(request, access, invited=invited)
    return render(request, "admin_invited.html", context, admin=admin)


async def _member_change(request: Request, what: str) -> Response:
    admin = await require_admin(request)
    fields = await checked_form(request)
    access = await workspace_access(request, admin, "owner")
    workspace_id, actor = access.workspace.id, actor_of(admin)
    member: int = request.path_params["admin_id"]
    role = fields.get("role", "")

    def work(conn: Any) -> None:
        if what == "remove":
            members.remove(conn, workspace_id, member, actor=actor)
        else:
            members.set_role(conn, workspace_id, member, role, actor=actor)

    try:
        await console_of(request).context.db.run(work)
    except NotFound:
        raise
    except DomainError as exc:
        status = 409 if exc.code == "conflict" else 422
        return await admins_page(
            request, admin=admin, access=access, error=_refusal(request, exc), status=status
        )
    return redirect(_path(access))


async def set_role(request: Request) -> Response:
    return await _member_change(request, "role")


async def remove(request: Request) -> Response:
    return await _member_change(request, "remove")


async def _list_or_invite(request: Request) -> Response:
    return await (invite(request) if request.method == "POST" else admins_page(request))


_BASE = "/workspaces/{workspace_id:int}/admins"
routes = [
    Route(_BASE, _list_or_invite, methods=["GET", "POST"]),
    Route(_BASE + "/{admin_id:int}/role", set_role, methods=["POST"]),
    Route(_BASE + "/{admin_id:int}/remove", remove, methods=["POST"]),
]
