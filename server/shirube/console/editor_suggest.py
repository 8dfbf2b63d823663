"""What the content editor's script asks for (#14), as small JSON answers: the event names
the workspace has received (a `<datalist>` for event fields), its trait names with sample
values (the audience builder), and how many recently seen users an audience matches.

Every answer is the page's workspace's alone (the admin's role in it is checked first), and
bounded in work whatever the workspace's size (services/content_suggest.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shirube.console.auth import require_admin
from shirube.console.editor_access import access_of
from shirube.console.editor_messages import translated
from shirube.console.editor_paths import field_of
from shirube.console.forms import checked_json
from shirube.console.labels import language_of
from shirube.console.state import console_of
from shirube.errors import ValidationFailed
from shirube.services import content_suggest as suggest
from shirube.timeutil import utcnow

MAX_AUDIENCE_BYTES = 64 * 1024


async def events(request: Request) -> Response:
    admin = await require_admin(request)
    ws = (await access_of(request, admin)).workspace.id
    names = await console_of(request).context.db.run(
        lambda conn: suggest.event_names(conn, ws), transaction=False
    )
    return JSONResponse({"events": names})


async def traits(request: Request) -> Response:
    admin = await require_admin(request)
    ws = (await access_of(request, admin)).workspace.id
    found = await console_of(request).context.db.run(
        lambda conn: suggest.trait_samples(conn, ws), transaction=False
    )
    return JSONResponse(
        {scope: [sample.as_json() for sample in samples] for scope, samples in found.items()}
    )


async def audience_count(request: Request) -> Response:
    """`{"audience": <audience or null>}` → how many of the users seen in the last 30 days it
    takes. Reads only, so every role may ask; the CSRF header is still required (a POST)."""
    admin = await require_admin(request)
    # The workspace first: another workspace's admin gets its 404 whatever the body.
    ws = (await access_of(request, admin)).workspace.id
    body = await checked_json(request, MAX_AUDIENCE_BYTES)
    data = body.get("audience") if isinstance(body, dict) else None
    now = utcnow()
    try:
        counted = await console_of(request).context.db.run(
            lambda conn: suggest.count_audience(conn, ws, data, now), transaction=False
        )
    except ValidationFailed as exc:
        lang = language_of(request)
        errors = [
            {"field": field_of("tour", f.path), "message": translated(f.message, lang)}
            for f in exc.fields
        ]
        return JSONResponse({"errors": errors}, status_code=422)
    return JSONResponse(counted.as_json())


_BASE = "/workspaces/{workspace_id:int}"
routes = [
    Route(_BASE + "/suggest/events", events, methods=["GET"]),
    Route(_BASE + "/suggest/traits", traits, methods=["GET"]),
    Route(_BASE + "/audience/count", audience_count, methods=["POST"]),
]
