"""The visual builder's API: one tour's draft, read and saved with an edit grant
(services/builder.py checks it; docs/api.md, "Builder API").

Under /api/v1/widget/ so that the widget's CORS applies (middleware/widget_cors.py: the Origin
is reflected so the builder can read its errors, an expired grant's included); the grant
itself names the only origin it is accepted from, which the service checks, and a request from
another origin is answered with the grant's origin in Access-Control-Allow-Origin, so that the
page that sent it cannot read the answer. Bodies go as text/plain like the widget's: "simple"
cross-origin requests, no preflight.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response

from shirube.api.errors import error_response
from shirube.api.request_body import read_model
from shirube.api.routing import get_context, route
from shirube.jsonresponse import JSONResponse
from shirube.services import builder
from shirube.storage import Connection
from shirube.validation import MAX_DB_INT, Strict

PREFIX = "/api/v1/widget/builder"


class BuilderBody(Strict):
    grant: str = Field(min_length=1, max_length=2048)
    public_key: str = Field(min_length=1, max_length=64)


class BuilderSaveBody(BuilderBody):
    # Validated as the server API validates a tour (errors by path inside `draft`).
    draft: dict[str, Any]
    # The `draft_revision` the builder read with the draft: saved only over it (409 conflict
    # when the draft was saved elsewhere since).
    draft_revision: int = Field(ge=0, le=MAX_DB_INT)


def _check(request: Request, body: BuilderBody, tour: str | None = None) -> builder.GrantCheck:
    return builder.GrantCheck(
        grant=body.grant,
        public_key=body.public_key,
        tour=tour,
        origin=request.headers.get("origin"),
    )


async def _answer(request: Request, work: Callable[[Connection], dict[str, Any]]) -> Response:
    try:
        return JSONResponse(await get_context(request).db.run(work))
    except builder.WrongOrigin as exc:
        # CORS for the grant's origin only (the middleware leaves an answer's own pair alone).
        response = error_response(exc)
        response.headers["Access-Control-Allow-Origin"] = exc.origin
        response.headers.add_vary_header("Origin")
        return response


async def read_draft(request: Request) -> Response:
    ctx = get_context(request)
    body = await read_model(request, BuilderBody, ctx.settings.max_body_bytes)
    check = _check(request, body)
    secret = ctx.settings.secret_key

    def work(conn: Connection) -> dict[str, Any]:
        return builder.read_draft(conn, builder.check_grant(conn, secret, check))

    return await _answer(request, work)


async def save_draft(request: Request) -> Response:
    ctx = get_context(request)
    body = await read_model(request, BuilderSaveBody, ctx.settings.max_body_bytes)
    draft, revision = body.draft, body.draft_revision
    key = draft.get("key")
    # The draft names its tour; a grant for another one refuses it (a draft without a string
    # key is left to the validator, which names the field).
    check = _check(request, body, key if isinstance(key, str) else None)
    secret = ctx.settings.secret_key

    def work(conn: Connection) -> dict[str, Any]:
        grant = builder.check_grant(conn, secret, check)
        return builder.save_draft(conn, grant, draft, revision)

    return await _answer(request, work)


routes = [
    route(PREFIX + "/draft", POST=read_draft),
    route(PREFIX + "/save", POST=save_draft),
]
