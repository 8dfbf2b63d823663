"""The content editor (#14): a tour, checklist or goal edited in a form that works without
script (every field, row buttons for steps, items and rules) and that static/editor.js saves on
every change.

Every save sends the draft revision the page was loaded at; a save over a newer one is
refused (409) with a message and a way to reload, never written over. Owners and editors
change; viewers read (403 on every POST)."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shirube.console import builder, content_pages
from shirube.console import editor_audience as audience_form
from shirube.console import editor_form as form
from shirube.console import editor_rows as row_ops
from shirube.console.access import actor_of
from shirube.console.auth import require_admin
from shirube.console.editor_access import KINDS, access_of, base_path, messages, page_context, run
from shirube.console.editor_paths import field_of
from shirube.console.forms import checked_form
from shirube.console.labels import language_of
from shirube.console.render import redirect, render
from shirube.errors import ValidationFailed
from shirube.services import content_store as store
from shirube.services.admins import Admin, WorkspaceRole
from shirube.services.content_list import tour_names
from shirube.storage import Connection
from shirube.validation import MAX_DB_INT

# A 50-step tour with both languages filled in is some hundreds of fields and tens of KB.
MAX_FIELDS = 4000
MAX_BYTES = 1024 * 1024
AUTOSAVE_HEADER = "x-shirube-autosave"
COLUMNS = ("ja", "en")  # the languages shown side by side


# The editor ---------------------------------------------------------------------------------


class _Lenient(dict[str, Any]):
    """A document for the templates: an absent field reads as None (the templates are strict
    about misspelt variables, but most content fields are optional)."""

    def __missing__(self, key: str) -> None:
        return None


def _lenient(value: Any) -> Any:
    if isinstance(value, dict):
        return _Lenient({k: _lenient(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_lenient(v) for v in value]
    return value


def _text_in(value: Any, code: str, default_column: str) -> str:
    """One column's string of a LocalizedText (a plain string goes in the default column)."""
    if isinstance(value, str):
        return value if code == default_column else ""
    if isinstance(value, dict):
        found = value.get(code, "")
        return found if isinstance(found, str) else ""
    return ""


def _other_locales(value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        return []
    return [(c, v) for c, v in value.items() if c not in COLUMNS and isinstance(v, str)]


async def _editor(
    request: Request,
    admin: Admin,
    access: WorkspaceRole,
    plural: str,
    key: str,
    *,
    doc: dict[str, Any] | None = None,
    revision: int | None = None,
    errors: dict[str, list[str]] | None = None,
    conflict: bool = False,
    extra_condition: bool = False,
    status: int = 200,
) -> Response:
    kind, ws = KINDS[plural], access.workspace

    def work(
        conn: Connection,
    ) -> tuple[store.ContentItem, bool, list[tuple[str, str]], list[str]]:
        item = store.get(conn, ws.id, kind, key)
        changed = store.published_document(conn, item) != item.draft
        # What a checklist's or a goal's rules may refer to.
        refers = kind != "tour"
        tours = tour_names(conn, ws.id) if refers else []
        checklists = store.keys_of(conn, ws.id, "checklist") if refers else set()
        own = {key} if kind == "checklist" else set()
        return item, changed, tours, sorted(checklists - own)

    item, changed, tours, checklists = await run(request, work, transaction=False)
    shown = doc if doc is not None else item.draft
    mode, conditions, audience_json = audience_form.audience_rows(shown.get("audience"))
    if extra_condition or (mode and not conditions and not audience_json):
        conditions = [*conditions, {"scope": "user", "trait": "", "op": "equals", "value": ""}]
        mode = mode or "all"
    language = ws.default_locale.split("-")[0]
    default_column = language if language in COLUMNS else "en"
    errors = errors or {}
    context = page_context(
        request,
        access,
        kind=kind,
        plural=plural,
        key=key,
        doc=_lenient(shown),
        empty=_Lenient(),
        item=item,
        unpublished_changes=changed,
        revision=item.draft_revision if revision is None else revision,
        errors=errors,
        general=errors.get("", []),
        conflict=conflict,
        focus=request.query_params.get("focus", ""),
        audience_mode=mode,
        conditions=conditions,
        audience_json=audience_json,
        tours=tours,
        checklist_keys=checklists,
        columns=COLUMNS,
        plain_column=default_column,
        txt=lambda value, code: _text_in(value, code, default_column),
        others=_other_locales,
        rule_types=form.GOAL_RULE_TYPES if kind == "goal" else form.RULE_TYPES,
        base=base_path(access, plural),
    )
    if kind != "tour":
        template = f"{kind}_editor.html"
        return render(request, template, context, admin=admin, status=status)
    # The visual builder's door, outside the editor's form (a form of its own, whose redirect
    # to the app the page's CSP must let out).
    context["open_in_app"] = builder.open_in_app_context(request, access, key)
    page = render(request, "tour_editor.html", context, admin=admin, status=status)
    return builder.allow_form_targets(page, access)


async def editor_page(request: Request, plural: str) -> Response:
    admin = await require_admin(request)
    access = await access_of(request, admin)
    return await _editor(request, admin, access, plural, request.path_params["key"])


_PARSERS = {
    "tour": form.tour_from_form,
    "checklist": form.checklist_from_form,
    "goal": form.goal_from_form,
}


def _revision(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or int(raw) > MAX_DB_INT:
        raise HTTPException(400)
    return int(raw)


async def save(request: Request, plural: str) -> Response:
    admin = await require_admin(request)
    fields = await checked_form(request, max_fields=MAX_FIELDS, max_bytes=MAX_BYTES)
    access = await access_of(request, admin, edit=True)
    kind, key, ws = KINDS[plural], request.path_params["key"], access.workspace.id
    lang = language_of(request)
    autosave = request.headers.get(AUTOSAVE_HEADER) == "1"
    op = fields.get("op", "")
    if op.startswith("del:audience:"):
        row = op.rpartition(":")[2]
        fields = {k: v for k, v in fields.items() if not k.startswith(f"audience.{row}.")}
    parse = _PARSERS[kind]
    doc, form_errors = parse(key, fields)
    on_audience = op == "add:audience" or op.startswith("del:audience:")
    focus = row_ops.apply_op(kind, doc, op) if op and not on_audience else None
    if op == "add:audience":
        focus = "audience-add"
    revision = _revision(fields.get("draft_revision", ""))
    actor = actor_of(admin)

    def work(conn: Connection) -> tuple[int, bool]:
        if form_errors:
            # The stale check first, as save_draft makes it.
            current = store.get(conn, ws, kind, key).draft_revision
            if current != revision:
                raise store.StaleDraft(kind, current)
            raise ValidationFailed(form_errors)
        saved = store.save_draft(
            conn, ws, kind, doc, key=key, expected_revision=revision, actor=actor
        )
        changed = store.published_document(conn, saved.item) != saved.item.draft
        return saved.item.draft_revision, changed

    conflict, errors, new_revision, changed = False, {}, revision, True
    try:
        new_revision, changed = await run(request, work)
    except store.StaleDraft:
        conflict = True
    except ValidationFailed as exc:
        errors = messages(exc.fields, lang, lambda path: field_of(kind, path))
    status = 409 if conflict else 422 if errors else 200
    if autosave:
        return JSONResponse(
            {
                "saved": status == 200,
                "conflict": conflict,
                "draft_revision": new_revision,
                "unpublished_changes": changed,
                "errors": [{"field": f, "messages": m} for f, m in errors.items()],
            },
            status_code=status,
        )
    if status == 200 and op != "add:audience":
        suffix = f"?focus={focus}" if focus else ""
        return redirect(f"{base_path(access, plural)}/{key}{suffix}")
    return await _editor(
        request,
        admin,
        access,
        plural,
        key,
        doc=doc,
        revision=new_revision,
        errors=errors,
        conflict=conflict,
        extra_condition=op == "add:audience",
        status=status,
    )


def _routes() -> list[Route]:
    routes: list[Route] = []
    for plural in KINDS:

        async def listing(request: Request, plural: str = plural) -> Response:
            return await content_pages.list_page(request, plural)

        async def new(request: Request, plural: str = plural) -> Response:
            return await content_pages.new_page(request, plural)

        async def one(request: Request, plural: str = plural) -> Response:
            if request.method == "POST":
                return await save(request, plural)
            return await editor_page(request, plural)

        async def remove(request: Request, plural: str = plural) -> Response:
            return await content_pages.delete(request, plural)

        base = f"/workspaces/{{workspace_id:int}}/{plural}"
        routes += [
            Route(base, listing, methods=["GET"]),
            Route(base + "/new", new, methods=["GET", "POST"]),
            Route(base + "/{key:str}", one, methods=["GET", "POST"]),
            Route(base + "/{key:str}/delete", remove, methods=["POST"]),
        ]
    return routes


routes = _routes()
