"""The content editor's pages (#14): a workspace's tours and checklists listed, a new one
created from a key and a name, and one edited in a form that works without script (every
field, row buttons for steps and items) and that static/editor.js saves on every change.

Every save sends the draft revision the page was loaded at; a save over a newer one is
refused (409) with a message and a way to reload, never written over. Owners and editors
change; viewers read (403 on every POST)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shirube.console import editor_form as form
from shirube.console.auth import require_admin
from shirube.console.editor_labels import EDITOR, translated
from shirube.console.forms import checked_form
from shirube.console.labels import language_of
from shirube.console.render import redirect, render
from shirube.console.state import console_of
from shirube.content.localize import resolve_text
from shirube.content.text import Text
from shirube.errors import Conflict, FieldError, NotAllowed, ValidationFailed
from shirube.identifiers import KEY_RE
from shirube.services import content_store as store
from shirube.services.admins import Admin, WorkspaceRole, workspace_role
from shirube.services.content_list import ContentSummary, summaries, tour_names
from shirube.storage import Connection
from shirube.validation import MAX_DB_INT

T = TypeVar("T")
EDIT_ROLES = ("owner", "editor")
KINDS = {"tours": "tour", "checklists": "checklist"}
PLURAL = {kind: plural for plural, kind in KINDS.items()}
# A 50-step tour with both languages filled in is some hundreds of fields and tens of KB.
MAX_FIELDS = 4000
MAX_BYTES = 1024 * 1024
AUTOSAVE_HEADER = "x-shirube-autosave"
COLUMNS = ("ja", "en")  # the languages shown side by side


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


async def _run(request: Request, work: Callable[[Connection], T], **kwargs: Any) -> T:
    return await console_of(request).context.db.run(work, **kwargs)


def _base(access: WorkspaceRole, plural: str) -> str:
    return f"/console/workspaces/{access.workspace.id}/{plural}"


def _label(summary_draft: dict[str, Any], kind: str, default_locale: str) -> str:
    value: Text | None = summary_draft.get("name" if kind == "tour" else "title")
    return "" if value is None else resolve_text(value, default_locale, default_locale)


def _context(request: Request, access: WorkspaceRole, **more: Any) -> dict[str, Any]:
    lang = language_of(request)
    return {
        "lang": lang,
        "t": EDITOR[lang],
        "ws": access.workspace,
        "role": access.role,
        "can_edit": access.role in EDIT_ROLES,
        **more,
    }


# The list and "New" ---------------------------------------------------------------------------


async def list_page(request: Request, plural: str) -> Response:
    admin = await require_admin(request)
    access = await access_of(request, admin)
    kind, ws = KINDS[plural], access.workspace
    found: list[ContentSummary] = await _run(
        request, lambda conn: summaries(conn, ws.id, kind), transaction=False
    )
    rows = [(s, _label(s.draft, kind, ws.default_locale)) for s in found]
    context = _context(request, access, kind=kind, plural=plural, rows=rows)
    return render(request, "content_list.html", context, admin=admin)


def _starting(kind: str, key: str, name: str) -> dict[str, Any]:
    entry = form.new_entry(kind, [])
    if kind == "tour":
        return {"key": key, "name": name, "trigger": {"type": "manual"}, "steps": [entry]}
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
        lang = language_of(request)
        try:
            if not KEY_RE.fullmatch(key):
                raise ValidationFailed([FieldError("key", f"{key!r} is not a valid key")])
            await _run(
                request,
                lambda conn: store.save_draft(
                    conn, ws, kind, _starting(kind, key, name), must_be_new=True
                ),
            )
        except (ValidationFailed, Conflict) as exc:  # Conflict: the key is taken
            errors = _messages(exc.fields, lang, _new_field)
        else:
            return redirect(f"{_base(access, plural)}/{key}")
    context = _context(request, access, kind=kind, plural=plural, values=values, errors=errors)
    return render(request, "content_new.html", context, admin=admin, status=422 if errors else 200)


def _new_field(path: str) -> str:
    head = path.split(".")[0].split("[")[0]
    return "key" if head == "key" else "name" if head in ("name", "title") else ""


def _messages(
    fields: list[FieldError], lang: str, field_of: Callable[[str], str]
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in fields:
        out.setdefault(field_of(error.path), []).append(translated(error.message, lang))
    return out


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
        tours = tour_names(conn, ws.id) if kind == "checklist" else []
        checklists = store.keys_of(conn, ws.id, "checklist") if kind == "checklist" else set()
        return item, changed, tours, sorted(checklists - {key})

    item, changed, tours, checklists = await _run(request, work, transaction=False)
    shown = doc if doc is not None else item.draft
    mode, conditions, audience_json = form.audience_rows(shown.get("audience"))
    if extra_condition or (mode and not conditions and not audience_json):
        conditions = [*conditions, {"scope": "user", "trait": "", "op": "equals", "value": ""}]
        mode = mode or "all"
    language = ws.default_locale.split("-")[0]
    default_column = language if language in COLUMNS else "en"
    errors = errors or {}
    context = _context(
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
        rule_types=form.RULE_TYPES,
        base=_base(access, plural),
    )
    template = "tour_editor.html" if kind == "tour" else "checklist_editor.html"
    return render(request, template, context, admin=admin, status=status)


async def editor_page(request: Request, plural: str) -> Response:
    admin = await require_admin(request)
    access = await access_of(request, admin)
    return await _editor(request, admin, access, plural, request.path_params["key"])


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
    parse = form.tour_from_form if kind == "tour" else form.checklist_from_form
    doc, form_errors = parse(key, fields)
    on_audience = op == "add:audience" or op.startswith("del:audience:")
    focus = form.apply_op(kind, doc, op) if op and not on_audience else None
    if op == "add:audience":
        focus = "audience-add"
    revision = _revision(fields.get("draft_revision", ""))

    def work(conn: Connection) -> tuple[int, bool]:
        if form_errors:
            # The stale check first, as save_draft makes it.
            current = store.get(conn, ws, kind, key).draft_revision
            if current != revision:
                raise store.StaleDraft(kind, current)
            raise ValidationFailed(form_errors)
        saved = store.save_draft(conn, ws, kind, doc, key=key, expected_revision=revision)
        changed = store.published_document(conn, saved.item) != saved.item.draft
        return saved.item.draft_revision, changed

    conflict, errors, new_revision, changed = False, {}, revision, True
    try:
        new_revision, changed = await _run(request, work)
    except store.StaleDraft:
        conflict = True
    except ValidationFailed as exc:
        errors = _messages(exc.fields, lang, lambda path: form.field_of(kind, path))
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
        return redirect(f"{_base(access, plural)}/{key}{suffix}")
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


async def delete(request: Request, plural: str) -> Response:
    """Delete a tour or checklist with its versions (409 page while other content uses it)."""
    admin = await require_admin(request)
    await checked_form(request)
    access = await access_of(request, admin, edit=True)
    kind, key, ws = KINDS[plural], request.path_params["key"], access.workspace.id
    await _run(request, lambda conn: store.delete_item(conn, store.get(conn, ws, kind, key)))
    return redirect(_base(access, plural))


def _routes() -> list[Route]:
    routes: list[Route] = []
    for plural in KINDS:

        async def listing(request: Request, plural: str = plural) -> Response:
            return await list_page(request, plural)

        async def new(request: Request, plural: str = plural) -> Response:
            return await new_page(request, plural)

        async def one(request: Request, plural: str = plural) -> Response:
            if request.method == "POST":
                return await save(request, plural)
            return await editor_page(request, plural)

        async def remove(request: Request, plural: str = plural) -> Response:
            return await delete(request, plural)

        base = f"/workspaces/{{workspace_id:int}}/{plural}"
        routes += [
            Route(base, listing, methods=["GET"]),
            Route(base + "/new", new, methods=["GET", "POST"]),
            Route(base + "/{key:str}", one, methods=["GET", "POST"]),
            Route(base + "/{key:str}/delete", remove, methods=["POST"]),
        ]
    return routes


routes = _routes()
