"""A tour's, checklist's or goal's version history: its versions and which one is live, the
draft's state, publishing, unpublishing, rolling back, and the readable diff between any two
of its versions and the draft. Every role reads; editors and owners change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.console.access import actor_of, allows, workspace_access
from shirube.console.auth import require_admin
from shirube.console.diff_view import DiffLine, lines
from shirube.console.forms import checked_form
from shirube.console.history_labels import HISTORY
from shirube.console.labels import language_of
from shirube.console.render import redirect, render
from shirube.console.state import console_of
from shirube.errors import DomainError, FieldError, ValidationFailed
from shirube.services import content_store as store
from shirube.services.admins import Admin, WorkspaceRole
from shirube.storage import Connection
from shirube.validation import positive_db_int

# The kinds with a history page, by the plural their console URLs use.
KINDS = {"tours": "tour", "checklists": "checklist", "goals": "goal"}
DRAFT = "draft"


class ConsoleKindConvertor(Convertor[str]):
    regex = "tours|checklists|goals"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("console_kind", ConsoleKindConvertor())


@dataclass(frozen=True)
class History:
    item: store.ContentItem
    described: dict[str, Any]
    versions: list[dict[str, Any]]


def _base(access: WorkspaceRole, plural: str, key: str) -> str:
    return f"/console/workspaces/{access.workspace.id}/{plural}/{key}"


def _subject(request: Request, access: WorkspaceRole) -> tuple[int, str, str]:
    """The workspace id, content kind and key of the page."""
    return access.workspace.id, KINDS[request.path_params["kind"]], request.path_params["key"]


def _history(conn: Connection, workspace_id: int, kind: str, key: str) -> History:
    item = store.get(conn, workspace_id, kind, key)
    # The API's ISO times, as datetimes again for the page's own format.
    versions = [
        {**v, "published_at": datetime.fromisoformat(v["published_at"])}
        for v in store.versions(conn, item)
    ]
    return History(item, store.describe(conn, item), versions)


def _context(request: Request, access: WorkspaceRole, **extra: Any) -> dict[str, Any]:
    lang = language_of(request)
    plural = request.path_params["kind"]
    return {
        "lang": lang,
        "t": HISTORY[lang],
        "ws": access.workspace,
        "role": access.role,
        "can_edit": allows(access.role, "editor"),
        "plural": plural,
        "key": request.path_params["key"],
        "base": _base(access, plural, request.path_params["key"]),
        **extra,
    }


async def versions_page(
    request: Request,
    *,
    admin: Admin | None = None,
    access: WorkspaceRole | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    admin = admin or await require_admin(request)
    access = access or await workspace_access(request, admin)
    ws, kind, key = (
        access.workspace.id,
        KINDS[request.path_params["kind"]],
        request.path_params["key"],
    )
    history = await console_of(request).context.db.run(
        lambda conn: _history(conn, ws, kind, key), transaction=False
    )
    context = _context(request, access, history=history, error=error, older=None, newer=DRAFT)
    return render(request, "versions.html", context, admin=admin, status=status)


async def _change(request: Request, what: str) -> Response:
    """Publish, unpublish or roll back, then back to the history; a refusal (a draft that no
    longer validates, content still in use, an unknown version) is shown on the page."""
    admin = await require_admin(request)
    fields = await checked_form(request)
    access = await workspace_access(request, admin, "editor")
    ws, kind, key = (
        access.workspace.id,
        KINDS[request.path_params["kind"]],
        request.path_params["key"],
    )
    actor = actor_of(admin)
    words = HISTORY[language_of(request)]

    def work(conn: Connection) -> None:
        item = store.get(conn, ws, kind, key)
        if what == "publish":
            store.publish(conn, item, actor=actor)
        elif what == "unpublish":
            store.unpublish(conn, item, actor=actor)
        else:
            store.rollback(conn, item, _version_field(fields.get("version", "")), actor=actor)

    try:
        await console_of(request).context.db.run(work)
    except DomainError as exc:
        if exc.code == "not_found" and what != "rollback":
            raise
        message = words["could_not"].format(message=exc.message)
        status = 422 if isinstance(exc, ValidationFailed) else 409
        if exc.code == "not_found":
            status = 404
        return await versions_page(
            request, admin=admin, access=access, error=message, status=status
        )
    return redirect(_base(access, request.path_params["kind"], key) + "/versions")


def _version_field(raw: str) -> int:
    version = positive_db_int(raw)
    if version is not None:
        return version
    raise ValidationFailed([FieldError("version", "must be a version number")])


async def publish(request: Request) -> Response:
    return await _change(request, "publish")


async def unpublish(request: Request) -> Response:
    return await _change(request, "unpublish")


async def rollback(request: Request) -> Response:
    return await _change(request, "rollback")


def _side(request: Request, name: str, default: str | None) -> str | None:
    """`from` or `to`: a version number or `draft`."""
    raw = request.query_params.get(name, default)
    if raw is None or raw == DRAFT:
        return raw
    return str(_version_field(raw))


def _document(conn: Connection, item: store.ContentItem, side: str | None) -> Any:
    if side is None:
        return None
    if side == DRAFT:
        return item.draft
    return store.version_document(conn, item, int(side))


async def diff_page(request: Request) -> Response:
    admin = await require_admin(request)
    access = await workspace_access(request, admin)
    ws, kind, key = (
        access.workspace.id,
        KINDS[request.path_params["kind"]],
        request.path_params["key"],
    )
    lang = language_of(request)

    def work(conn: Connection) -> tuple[History, str | None, str | None, list[DiffLine]]:
        history = _history(conn, ws, kind, key)
        item = history.item
        live = item.published_version or (item.latest_version or None)
        # By default: what publishing the draft would change.
        older = _side(request, "from", None if live is None else str(live))
        newer = _side(request, "to", DRAFT)
        before, after = _document(conn, item, older), _document(conn, item, newer)
        return history, older, newer, lines(before, after, lang)

    try:
        history, older, newer, changes = await console_of(request).context.db.run(
            work, transaction=False
        )
    except ValidationFailed as exc:
        words = HISTORY[lang]
        error = words["could_not"].format(message=exc.message)
        return await versions_page(request, admin=admin, access=access, error=error, status=400)
    context = _context(request, access, history=history, older=older, newer=newer, changes=changes)
    return render(request, "diff.html", context, admin=admin)


_ITEM = "/workspaces/{workspace_id:int}/{kind:console_kind}/{key:str}"
routes = [
    Route(_ITEM + "/versions", versions_page, methods=["GET"]),
    Route(_ITEM + "/diff", diff_page, methods=["GET"]),
    Route(_ITEM + "/publish", publish, methods=["POST"]),
    Route(_ITEM + "/unpublish", unpublish, methods=["POST"]),
    Route(_ITEM + "/rollback", rollback, methods=["POST"]),
]
