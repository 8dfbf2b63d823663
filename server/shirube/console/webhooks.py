"""The webhooks pages of a workspace: its endpoints with their state and the notice of one
disabled for failing, adding, changing, rotating and deleting one, and an endpoint's delivery
log with a resend button. Owners change (an endpoint receives every event of the workspace,
so it is the owners', like keys); editors and viewers read. English or Japanese by
the browser's preference (console/labels.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.console.access import actor_of, allows, workspace_access
from shirube.console.auth import require_admin
from shirube.console.forms import checked_form
from shirube.console.labels import WEBHOOKS, language_of
from shirube.console.render import redirect, render
from shirube.console.state import console_of
from shirube.errors import ValidationFailed
from shirube.services import webhook_endpoints as endpoints
from shirube.services import webhook_log as deliveries
from shirube.services import webhook_secrets as secrets
from shirube.services.admins import Admin, WorkspaceRole
from shirube.services.webhook_endpoints import EndpointChanges
from shirube.services.webhook_kinds import KINDS
from shirube.storage import Connection
from shirube.timeutil import utcnow
from shirube.validation import positive_db_int

T = TypeVar("T")
LOG_PAGE = 50
# A form names each kind in a field of its own: `kind:checklist.completed=on`.
KIND_FIELD = "kind:"


def _path(access: WorkspaceRole, endpoint_id: int | None = None) -> str:
    base = f"/console/workspaces/{access.workspace.id}/webhooks"
    return base if endpoint_id is None else f"{base}/{endpoint_id}"


async def _access(request: Request, admin: Admin, *, edit: bool = False) -> WorkspaceRole:
    """The admin's role in the page's workspace (console/access.py): 404 when it has none,
    NotAllowed when `edit` and the role is not owner."""
    return await workspace_access(request, admin, "owner" if edit else "viewer")


async def _run(request: Request, work: Callable[[Connection], T], **kwargs: Any) -> T:
    return await console_of(request).context.db.run(work, **kwargs)


def _page(request: Request, access: WorkspaceRole, **context: Any) -> dict[str, Any]:
    lang = language_of(request)
    return {
        "lang": lang,
        "t": WEBHOOKS[lang],
        "ws": access.workspace,
        "role": access.role,
        "can_edit": allows(access.role, "owner"),
        "kinds": KINDS,
        "now": utcnow(),
        **context,
    }


def _changes(fields: dict[str, str], *, with_enabled: bool) -> EndpointChanges:
    description = fields.get("description", "")
    return EndpointChanges(
        url=fields.get("url", "").strip(),
        kinds=[kind.name for kind in KINDS if fields.get(KIND_FIELD + kind.name)],
        description=description or None,
        enabled=(fields.get("enabled") == "on") if with_enabled else True,
        clear_description=not description,
    )


def _error_text(exc: ValidationFailed) -> str:
    return "; ".join(f"{f.path}: {f.message}" if f.path else f.message for f in exc.fields)


async def list_page(
    request: Request,
    *,
    admin: Admin | None = None,
    access: WorkspaceRole | None = None,
    error: str | None = None,
    values: EndpointChanges | None = None,
) -> Response:
    admin = admin or await require_admin(request)
    access = access or await _access(request, admin)
    workspace_id = access.workspace.id
    found = await _run(
        request, lambda conn: endpoints.list_endpoints(conn, workspace_id), transaction=False
    )
    context = _page(
        request,
        access,
        endpoints=found,
        error=error,
        values=values or EndpointChanges(url="", kinds=[kind.name for kind in KINDS]),
    )
    return render(request, "webhooks.html", context, admin=admin, status=422 if error else 200)


async def create(request: Request) -> Response:
    admin = await require_admin(request)
    fields = await checked_form(request, max_fields=20)
    access = await _access(request, admin, edit=True)
    changes = _changes(fields, with_enabled=False)
    ctx = console_of(request).context
    workspace_id = access.workspace.id
    now = utcnow()
    try:
        created = await _run(
            request,
            lambda conn: endpoints.create_endpoint(
                conn, workspace_id, changes, ctx.outbound, now, actor=actor_of(admin)
            ),
        )
    except ValidationFailed as exc:
        return await list_page(
            request, admin=admin, access=access, error=_error_text(exc), values=changes
        )
    context = _page(request, access, endpoint=created, secret=created.secret)
    return render(request, "webhook_secret.html", context, admin=admin)


async def detail_page(
    request: Request,
    *,
    admin: Admin | None = None,
    access: WorkspaceRole | None = None,
    error: str | None = None,
    values: EndpointChanges | None = None,
) -> Response:
    admin = admin or await require_admin(request)
    access = access or await _access(request, admin)
    workspace_id, endpoint_id = access.workspace.id, request.path_params["endpoint_id"]
    before = positive_db_int(request.query_params.get("before"))

    def work(conn: Connection) -> tuple[endpoints.Endpoint, deliveries.LogPage]:
        endpoint = endpoints.get_endpoint(conn, workspace_id, endpoint_id)
        log = deliveries.delivery_log(
            conn, workspace_id, endpoint_id, limit=LOG_PAGE, before=before
        )
        return endpoint, log

    endpoint, log = await _run(request, work)
    shown = values or EndpointChanges(
        url=endpoint.url,
        kinds=endpoint.kinds,
        description=endpoint.description,
        enabled=endpoint.enabled,
    )
    context = _page(
        request,
        access,
        endpoint=endpoint,
        log=log,
        before=before,
        error=error,
        values=shown,
    )
    return render(request, "webhook.html", context, admin=admin, status=422 if error else 200)


async def update(request: Request) -> Response:
    admin = await require_admin(request)
    fields = await checked_form(request, max_fields=20)
    access = await _access(request, admin, edit=True)
    changes = _changes(fields, with_enabled=True)
    ctx = console_of(request).context
    workspace_id, endpoint_id = access.workspace.id, request.path_params["endpoint_id"]
    now = utcnow()
    try:
        await _run(
            request,
            lambda conn: endpoints.update_endpoint(
                conn, workspace_id, endpoint_id, changes, ctx.outbound, now, actor=actor_of(admin)
            ),
        )
    except ValidationFailed as exc:
        return await detail_page(
            request, admin=admin, access=access, error=_error_text(exc), values=changes
        )
    return redirect(_path(access, endpoint_id))


async def _button(request: Request) -> tuple[Admin, WorkspaceRole, int, int]:
    """A button's form on an endpoint's page: its admin, role, workspace and endpoint."""
    admin = await require_admin(request)
    await checked_form(request)
    access = await _access(request, admin, edit=True)
    return admin, access, access.workspace.id, request.path_params["endpoint_id"]


async def delete(request: Request) -> Response:
    admin, access, workspace_id, endpoint_id = await _button(request)
    actor = actor_of(admin)
    await _run(
        request,
        lambda conn: endpoints.delete_endpoint(conn, workspace_id, endpoint_id, actor=actor),
    )
    return redirect(_path(access))


async def rotate(request: Request) -> Response:
    admin, access, workspace_id, endpoint_id = await _button(request)
    now = utcnow()
    endpoint, secret = await _run(
        request,
        lambda conn: secrets.rotate_secret(
            conn, workspace_id, endpoint_id, now, actor=actor_of(admin)
        ),
    )
    context = _page(request, access, endpoint=endpoint, secret=secret)
    return render(request, "webhook_secret.html", context, admin=admin)


async def finish_rotation(request: Request) -> Response:
    admin, access, workspace_id, endpoint_id = await _button(request)
    now, actor = utcnow(), actor_of(admin)
    await _run(
        request,
        lambda conn: secrets.finish_rotation(conn, workspace_id, endpoint_id, now, actor=actor),
    )
    return redirect(_path(access, endpoint_id))


async def resend(request: Request) -> Response:
    _, access, workspace_id, endpoint_id = await _button(request)
    delivery_id = request.path_params["delivery_id"]
    now = utcnow()
    await _run(
        request,
        lambda conn: deliveries.resend(conn, workspace_id, endpoint_id, delivery_id, now),
    )
    console_of(request).context.webhook_bell.ring()
    return redirect(_path(access, endpoint_id))


async def _list_or_create(request: Request) -> Response:
    return await (create(request) if request.method == "POST" else list_page(request))


async def _detail_or_update(request: Request) -> Response:
    return await (update(request) if request.method == "POST" else detail_page(request))


_BASE = "/workspaces/{workspace_id:int}/webhooks"
_ONE = _BASE + "/{endpoint_id:int}"
routes = [
    Route(_BASE, _list_or_create, methods=["GET", "POST"]),
    Route(_ONE, _detail_or_update, methods=["GET", "POST"]),
    Route(_ONE + "/delete", delete, methods=["POST"]),
    Route(_ONE + "/rotate", rotate, methods=["POST"]),
    Route(_ONE + "/finish-rotation", finish_rotation, methods=["POST"]),
    Route(_ONE + "/deliveries/{delivery_id:int}/resend", resend, methods=["POST"]),
]
