"""The visual builder's door in the console: "Open in my app" for a tour. An editor or owner
picks one of the workspace's allowed origins and a path; the console mints an edit grant
(security/edit_grants.py) and redirects to `ORIGIN + PATH#shirube-edit=GRANT`, where the
widget loads the builder (docs/console.md, "Visual builder").

The form is a partial (`_open_in_app.html`) the tour's own page includes; this module also
serves a page of its own with just that form. Any page carrying the form answers through
`allow_form_targets`, since the console's CSP (`form-action`) must let the redirect out."""

from __future__ import annotations

import re
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.console.access import allows
from shirube.console.auth import require_admin
from shirube.console.builder_labels import OPEN_IN_APP
from shirube.console.forms import checked_form
from shirube.console.headers import FORM_TARGETS
from shirube.console.labels import language_of
from shirube.console.render import redirect, render
from shirube.console.state import console_of
from shirube.errors import NotAllowed
from shirube.services import content_store as store
from shirube.services.admins import Admin, WorkspaceRole, workspace_role
from shirube.services.builder import new_grant
from shirube.storage import Connection
from shirube.validation import MAX_DB_INT

GRANT_FRAGMENT = "#shirube-edit="
# What an origin in a CSP source list may be (workspace_settings checks the stored ones; this
# keeps anything else out of the header all the same).
_CSP_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")
# A path of the app: absolute, no scheme-relative `//host`, no fragment (ours follows), no
# whitespace or control characters.
_PATH = re.compile(r"^/(?!/)[^\s#\x00-\x1f\x7f]{0,1999}$")


def openable_origins(access: WorkspaceRole) -> list[str]:
    """The allowed origins the builder may be opened on (`*` names none in particular)."""
    return [o for o in access.workspace.allowed_origins if _CSP_ORIGIN.match(o)]


def open_in_app_context(
    request: Request,
    access: WorkspaceRole,
    tour: str,
    *,
    origin: str = "",
    path: str = "/",
    error: str = "",
) -> dict[str, Any]:
    """What `_open_in_app.html` needs, under the name `open_in_app`."""
    lang = language_of(request)
    return {
        "workspace_id": access.workspace.id,
        "tour": tour,
        "origins": openable_origins(access),
        "origin": origin,
        "path": path,
        "error": error,
        "t": OPEN_IN_APP[lang],
        "lang": lang,
    }


def allow_form_targets(response: Response, access: WorkspaceRole) -> Response:
    """Lets a page's "Open in my app" form redirect to the workspace's origins (CSP)."""
    origins = openable_origins(access)
    if origins:
        response.headers[FORM_TARGETS] = " ".join(origins)
    return response


async def _access(request: Request, admin: Admin, *, edit: bool) -> tuple[WorkspaceRole, str]:
    workspace_id: int = request.path_params["workspace_id"]
    key: str = request.path_params["key"]
    if not 1 <= workspace_id <= MAX_DB_INT:
        raise HTTPException(404)

    def work(conn: Connection) -> WorkspaceRole | None:
        access = workspace_role(conn, admin.id, workspace_id)
        if access is not None:
            store.get(conn, workspace_id, "tour", key)  # NotFound: the console's 404 page
        return access

    access = await console_of(request).context.db.run(work, transaction=False)
    if access is None:
        raise HTTPException(404)
    if edit and not allows(access.role, "editor"):
        raise NotAllowed("forbidden", f"your role ({access.role}) cannot build tours")
    return access, key


def _page(
    request: Request, admin: Admin, access: WorkspaceRole, key: str, status: int = 200, **form: str
) -> Response:
    context = {
        "open_in_app": open_in_app_context(request, access, key, **form),
        "ws": access.workspace,
        "can_edit": allows(access.role, "editor"),
        "lang": language_of(request),
    }
    page = render(request, "open_in_app.html", context, admin=admin, status=status)
    return allow_form_targets(page, access)


async def open_in_app_page(request: Request) -> Response:
    admin = await require_admin(request)
    access, key = await _access(request, admin, edit=False)
    return _page(request, admin, access, key)


async def open_in_app(request: Request) -> Response:
    admin = await require_admin(request)
    fields = await checked_form(request)
    access, key = await _access(request, admin, edit=True)
    origin = fields.get("origin", "").strip().rstrip("/")
    path = fields.get("path", "").strip() or "/"
    t = OPEN_IN_APP[language_of(request)]
    error = ""
    if origin not in openable_origins(access):
        error = t["err_origin"]
    elif not _PATH.match(path):
        error = t["err_path"]
    if error:
        return _page(request, admin, access, key, 422, origin=origin, path=path, error=error)
    secret = console_of(request).context.settings.secret_key
    workspace = access.workspace
    grant = await console_of(request).context.db.run(
        lambda conn: new_grant(conn, secret, admin, workspace, key, origin), transaction=False
    )
    return redirect(origin + path + GRANT_FRAGMENT + grant)


async def _page_or_open(request: Request) -> Response:
    return await (open_in_app(request) if request.method == "POST" else open_in_app_page(request))


routes = [
    Route(
        "/workspaces/{workspace_id:int}/tours/{key:str}/open-in-app",
        _page_or_open,
        methods=["GET", "POST"],
    ),
]
