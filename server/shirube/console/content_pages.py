"""The content lists (#14): a workspace's tours, checklists or goals with their published version
and whether the draft has unpublished changes; "New" (a key and a name make the draft, then
the editor opens); deleting one (refused while other content uses it)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from shirube.console import editor_rows as row_ops
from shirube.console.access import actor_of
from shirube.console.auth import require_admin
from shirube.console.editor_access import (
    KINDS,
    access_of,
    base_path,
    label_of,
    messages,
    page_context,
    run,
)
from shirube.console.forms import checked_form
from shirube.console.labels import language_of
from shirube.console.render import redirect, render
from shirube.errors import Conflict, FieldError, ValidationFailed
from shirube.identifiers import KEY_RE
from shirube.services import content_store as store
from shirube.services.content_list import ContentSummary, summaries


async def list_page(request: Request, plural: str) -> Response:
    admin = await require_admin(request)
    access = await access_of(request, admin)
    kind, ws = KINDS[plural], access.workspace
    found: list[ContentSummary] = await run(
        request, lambda conn: summaries(conn, ws.id, kind), transaction=False
    )
    rows = [(s, label_of(s.draft, kind, ws.default_locale)) for s in found]
    context = page_context(request, access, kind=kind, plural=plural, rows=rows)
    return render(request, "content_list.html", context, admin=admin)


def _starting(kind: str, key: str, name: str) -> dict[str, Any]:
    entry = row_ops.new_entry(kind, [])
    if kind == "tour":
        return {"key": key, "name": name, "trigger": {"type": "manual"}, "steps": [entry]}
    if kind == "goal":
        return {"key": key, "name": name, "rules": [entry]}
    return {"key": key, "title": name, "items": [entry]}


async def new_page(request: Request, plural: str) -> Response:
    admin = await require_admin(request)
    access = await access_of(request, admin, edit=request.method == "POST")
    kind = KINDS[plural]
    values, errors = {"key": "", "name": ""}, {}
    if request.method == "POST":
        fields = await checked_form(request)
        values = {"key": fields.get("key", "").strip(), "name": fields.get("name", "").strip()}
        key, name, ws = values["key"], values["name"], access.workspace.id
        actor = actor_of(admin)
        lang = language_of(request)
        try:
            if not KEY_RE.fullmatch(key):
                raise ValidationFailed([FieldError("key", f"{key!r} is not a valid key")])
            await run(
                request,
                lambda conn: store.save_draft(
                    conn, ws, kind, _starting(kind, key, name), must_be_new=True, actor=actor
                ),
            )
        except (ValidationFailed, Conflict) as exc:  # Conflict: the key is taken
            errors = messages(exc.fields, lang, _new_field)
        else:
            return redirect(f"{base_path(access, plural)}/{key}")
    context = page_context(request, access, kind=kind, plural=plural, values=values, errors=errors)
    return render(request, "content_new.html", context, admin=admin, status=422 if errors else 200)


def _new_field(path: str) -> str:
    head = path.split(".")[0].split("[")[0]
    return "key" if head == "key" else "name" if head in ("name", "title") else ""


async def delete(request: Request, plural: str) -> Response:
    """Delete a tour, checklist or goal with its versions (409 page while other content uses it)."""
    admin = await require_admin(request)
    await checked_form(request)
    access = await access_of(request, admin, edit=True)
    kind, key, ws = KINDS[plural], request.path_params["key"], access.workspace.id
    actor = actor_of(admin)
    await run(
        request, lambda conn: store.delete_item(conn, store.get(conn, ws, kind, key), actor=actor)
    )
    return redirect(base_path(access, plural))
