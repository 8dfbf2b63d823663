"""The theme page of a workspace: brand colour, text colour, font, corner radius, launcher
position and label, with a live preview of the real widget (console/theme_preview.py) and a
WCAG AA contrast check before saving: below 4.5:1 the theme is saved only with "save anyway"
ticked. Owners and editors save; viewers read. English or Japanese (console/theme_labels.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.console.access import actor_of, allows, workspace_access
from shirube.console.auth import require_admin
from shirube.console.forms import checked_form
from shirube.console.labels import language_of
from shirube.console.render import redirect, render
from shirube.console.state import console_of
from shirube.console.theme_form import POSITIONS, ThemeForm, form_of, raw_theme, read_form
from shirube.console.theme_labels import THEME
from shirube.services import workspaces
from shirube.services.admins import Admin, WorkspaceRole
from shirube.services.theme_contrast import AA_RATIO, check_theme

SAVE_ANYWAY = "save_anyway"


def theme_path(workspace_id: int) -> str:
    return f"/console/workspaces/{workspace_id}/theme"


def _page(
    request: Request,
    admin: Admin,
    access: WorkspaceRole,
    form: ThemeForm,
    *,
    confirm: bool = False,
    status: int = 200,
) -> Response:
    lang = language_of(request)
    raw = raw_theme(form.values)
    brand, text = raw.get("brand_color"), raw.get("text_color")
    contrast = None if form.errors else check_theme(brand, text)
    preview = {**form.values, "locale": lang, "step": "tooltip"}
    context: dict[str, Any] = {
        "lang": lang,
        "t": THEME[lang],
        "ws": access.workspace,
        "role": access.role,
        "can_edit": allows(access.role, "editor"),
        "form": form,
        "positions": POSITIONS,
        "contrast": contrast,
        "aa_ratio": AA_RATIO,
        "confirm": confirm,
        "saved": request.query_params.get("saved") == "1" and not form.errors,
        "base": theme_path(access.workspace.id),
        "preview_src": f"{theme_path(access.workspace.id)}/preview#{urlencode(preview)}",
    }
    return render(request, "theme.html", context, admin=admin, status=status)


async def page(request: Request) -> Response:
    admin = await require_admin(request)
    access = await workspace_access(request, admin)
    return _page(request, admin, access, form_of(access.workspace.theme))


async def save(request: Request) -> Response:
    admin = await require_admin(request)
    fields = await checked_form(request, max_fields=20)
    access = await workspace_access(request, admin, "editor")
    form, theme = read_form(fields)
    if theme is None:
        return _page(request, admin, access, form, status=422)
    # The check runs here whatever the page's script showed: a theme below AA is saved only
    # when the admin ticked "save anyway" (a form without script gets the same question).
    contrast = check_theme(theme.brand_color, theme.text_color)
    if not contrast.passes_aa and fields.get(SAVE_ANYWAY) != "on":
        return _page(request, admin, access, form, confirm=True, status=409)
    stored = theme.model_dump(exclude_none=True)
    workspace_id = access.workspace.id
    await console_of(request).context.db.run(
        lambda conn: workspaces.update_workspace(
            conn, workspace_id, {"theme": stored}, actor=actor_of(admin)
        )
    )
    return redirect(f"{theme_path(workspace_id)}?saved=1")


async def _page_or_save(request: Request) -> Response:
    return await (save(request) if request.method == "POST" else page(request))


_BASE = "/workspaces/{workspace_id:int}/theme"
routes = [
    Route(_BASE, _page_or_save, methods=["GET", "POST"]),
]
