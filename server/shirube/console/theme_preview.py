"""The theme page's preview frame: a page of our own origin that loads the real widget bundle
(/widget/shirube.js) with `data-server` pointing here, so that the widget's two calls come to
this sandbox instead of the widget API. The sandbox answers `session` with sample content
(services/theme_preview.py) in the theme the frame's hash describes (the page's script passes
the form's fields as the user's traits), and takes `events` without storing them: previewing
creates no end user, event or progress in the workspace. Any role may preview; the frame may
be framed by our own origin only (console/headers.py)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shirube.api.request_body import declared_length
from shirube.console.access import workspace_access
from shirube.console.auth import require_admin
from shirube.console.headers import FRAMED_BY_OWN_ORIGIN
from shirube.console.render import render
from shirube.console.theme_form import FIELDS, raw_theme
from shirube.services.theme_preview import TARGET, preview_answer, preview_theme

# A session request carries a user id, a locale and the form's fields: a few KB at most.
MAX_BODY = 16 * 1024


async def frame(request: Request) -> Response:
    admin = await require_admin(request)
    access = await workspace_access(request, admin)
    # A path: the widget resolves its calls against this page, our own origin.
    context = {
        "ws": access.workspace,
        "server": f"/console/workspaces/{access.workspace.id}/theme/preview",
        "target": TARGET[1:],
    }
    page = render(request, "theme_preview.html", context, admin=admin)
    page.headers[FRAMED_BY_OWN_ORIGIN[0]] = FRAMED_BY_OWN_ORIGIN[1]
    return page


async def _body(request: Request) -> Any:
    length = declared_length(request.headers.get("content-length"))
    if length is None or length > MAX_BODY:
        return None
    try:
        return json.loads(await request.body())
    except (ValueError, RecursionError):  # RecursionError: brackets nested past ~1,000 levels
        return None


def _refused(message: str) -> Response:
    return JSONResponse({"error": {"code": "invalid_preview", "message": message}}, 400)


async def session(request: Request) -> Response:
    admin = await require_admin(request)
    await workspace_access(request, admin)
    body = await _body(request)
    if not isinstance(body, dict):
        return _refused("the body must be a JSON object of at most 16 KB")
    found = body.get("traits")
    traits: dict[str, Any] = found if isinstance(found, dict) else {}
    fields = {name: traits[name] for name in FIELDS if isinstance(traits.get(name), str)}
    locale = "ja" if str(body.get("locale", "")).lower().startswith("ja") else "en"
    step = traits.get("step")
    theme = preview_theme(raw_theme(fields))
    return JSONResponse(preview_answer(theme, locale, step if isinstance(step, str) else ""))


async def events(request: Request) -> Response:
    """Taken and dropped: what the sample tour and checklist record goes nowhere."""
    admin = await require_admin(request)
    await workspace_access(request, admin)
    body = await _body(request)
    batch = body.get("events") if isinstance(body, dict) else None
    count = len(batch) if isinstance(batch, list) else 0
    return JSONResponse(
        {"received": count, "accepted": count, "duplicates": 0, "completed_items": []}
    )


_BASE = "/workspaces/{workspace_id:int}/theme/preview"
routes = [
    Route(_BASE, frame, methods=["GET"]),
    Route(_BASE + "/api/v1/widget/session", session, methods=["POST"]),
    Route(_BASE + "/api/v1/widget/events", events, methods=["POST"]),
]
