"""What the content editor's pages share (#14): the admin's role in the page's workspace
(editors and owners change, viewers read), running work on the database, the page's words in
the admin's language, and validator messages gathered by form field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request

from shirube.console.editor_labels import EDITOR
from shirube.console.editor_messages import translated
from shirube.console.labels import language_of
from shirube.console.state import console_of
from shirube.content.localize import resolve_text
from shirube.content.text import Text
from shirube.errors import FieldError, NotAllowed
from shirube.services.admins import Admin, WorkspaceRole, workspace_role
from shirube.storage import Connection
from shirube.validation import MAX_DB_INT

T = TypeVar("T")
EDIT_ROLES = ("owner", "editor")
KINDS = {"tours": "tour", "checklists": "checklist"}
PLURAL = {kind: plural for plural, kind in KINDS.items()}


async def access_of(request: Request, admin: Admin, *, edit: bool = False) -> WorkspaceRole:
    """The admin's role in the page's workspace; 404 when none, NotAllowed (403) when `edit`
    and the role only reads."""
    workspace_id: int = request.path_params["workspace_id"]
    if not 1 <= workspace_id <= MAX_DB_INT:
        raise HTTPException(404)
    access = await console_of(request).context.db.run(
        lambda conn: workspace_role(conn, admin.id, workspace_id), transaction=False
    )
    if access is None:
        raise HTTPException(404)
    if edit and access.role not in EDIT_ROLES:
        raise NotAllowed("forbidden", f"your role ({access.role}) can read content only")
    return access


async def run(request: Request, work: Callable[[Connection], T], **kwargs: Any) -> T:
    return await console_of(request).context.db.run(work, **kwargs)


def base_path(access: WorkspaceRole, plural: str) -> str:
    return f"/console/workspaces/{access.workspace.id}/{plural}"


def label_of(summary_draft: dict[str, Any], kind: str, default_locale: str) -> str:
    value: Text | None = summary_draft.get("name" if kind == "tour" else "title")
    return "" if value is None else resolve_text(value, default_locale, default_locale)


def page_context(request: Request, access: WorkspaceRole, **more: Any) -> dict[str, Any]:
    lang = language_of(request)
    return {
        "lang": lang,
        "t": EDITOR[lang],
        "ws": access.workspace,
        "role": access.role,
        "can_edit": access.role in EDIT_ROLES,
        **more,
    }


def messages(
    fields: list[FieldError], lang: str, field_of: Callable[[str], str]
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in fields:
        out.setdefault(field_of(error.path), []).append(translated(error.message, lang))
    return out
