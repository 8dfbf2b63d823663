"""What the content editor's pages share (#14): the admin's role in the page's workspace
(editors and owners change, viewers read), running work on the database, the page's words in
the admin's language, and validator messages gathered by form field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import Request

from shirube.console.access import allows, workspace_access
from shirube.console.editor_labels import EDITOR
from shirube.console.editor_messages import translated
from shirube.console.labels import language_of
from shirube.console.state import console_of
from shirube.content.localize import resolve_text
from shirube.content.text import Text
from shirube.errors import FieldError
from shirube.services.admins import Admin, WorkspaceRole
from shirube.storage import Connection

T = TypeVar("T")
KINDS = {"tours": "tour", "checklists": "checklist", "goals": "goal"}
PLURAL = {kind: plural for plural, kind in KINDS.items()}


async def access_of(request: Request, admin: Admin, *, edit: bool = False) -> WorkspaceRole:
    """The admin's role in the page's workspace (console/access.py): 404 when it has none,
    NotAllowed (403) when `edit` and the role only reads."""
    return await workspace_access(request, admin, "editor" if edit else "viewer")


async def run(request: Request, work: Callable[[Connection], T], **kwargs: Any) -> T:
    return await console_of(request).context.db.run(work, **kwargs)


def base_path(access: WorkspaceRole, plural: str) -> str:
    return f"/console/workspaces/{access.workspace.id}/{plural}"


def label_of(summary_draft: dict[str, Any], kind: str, default_locale: str) -> str:
    value: Text | None = summary_draft.get("title" if kind == "checklist" else "name")
    return "" if value is None else resolve_text(value, default_locale, default_locale)


def page_context(request: Request, access: WorkspaceRole, **more: Any) -> dict[str, Any]:
    lang = language_of(request)
    return {
        "lang": lang,
        "t": EDITOR[lang],
        "ws": access.workspace,
        "role": access.role,
        "can_edit": allows(access.role, "editor"),
        **more,
    }


def messages(
    fields: list[FieldError], lang: str, field_of: Callable[[str], str]
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in fields:
        out.setdefault(field_of(error.path), []).append(translated(error.message, lang))
    return out
