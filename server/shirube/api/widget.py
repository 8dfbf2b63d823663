"""Widget API: `session` (identify + everything the user needs) and `events`.

Authenticated by the workspace public key and the request's Origin; `events` additionally needs
the session token that `session` returned.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.api.session_body import (
    MAX_IDENTITY_TOKEN,
    MAX_PUBLIC_KEY,
    plain_session_request,
)
from shirube.context import AppContext, get_context
from shirube.errors import ApiError, FieldError, ValidationFailed
from shirube.jsonresponse import JSONResponse
from shirube.security.widget_tokens import read_widget_token
from shirube.services.event_schema import (
    CompanyIn,
    ExternalId,
    Locale,
    Traits,
    WidgetEventBatch,
    check_events,
)
from shirube.services.ingest import IngestResult, NewEvent, ingest_batch
from shirube.services.published import current_content
from shirube.services.sql import Raw, write_transaction
from shirube.services.widget_session import (
    WORKSPACE_BY_ID,
    SessionRequest,
    check_origin,
    open_session,
    widget_workspace,
)
from shirube.validation import Strict, read_json, read_model, validate_model


class SessionBody(Strict):
    public_key: str = Field(min_length=1, max_length=MAX_PUBLIC_KEY)
    user_id: ExternalId
    traits: Traits | None = None
    locale: Locale | None = None
    company: CompanyIn | None = None
    identity_token: str | None = Field(default=None, max_length=MAX_IDENTITY_TOKEN)


def session_request(data: Any) -> tuple[str, SessionRequest]:
    """The public key and the request of a decoded body, or the validation error."""
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("", "request body must be a JSON object")])
    plain = plain_session_request(data)
    if plain is not None:
        return plain
    body = validate_model(SessionBody, data)
    return body.public_key, request_of(body)


def request_of(body: SessionBody) -> SessionRequest:
    return SessionRequest(
        user_id=body.user_id,
        traits=dict(body.traits) if body.traits is not None else None,
        locale=body.locale.replace("_", "-") if body.locale else None,
        company_id=body.company.id if body.company else None,
        company_traits=dict(body.company.traits) if body.company and body.company.traits else None,
        identity_token=body.identity_token,
    )


def session_answer(ctx: AppContext, data: Any, origin: str | None) -> Awaitable[bytes]:
    """The session answer for a decoded body: validated here, then one database call."""
    public_key, request = session_request(data)
    settings = ctx.settings

    def work(raw: Raw) -> bytes:
        return open_session(
            raw,
            public_key,
            origin,
            request,
            ctx.published,
            ctx.progress,
            token_secret=settings.secret_key,
            token_ttl=settings.widget_token_ttl_seconds,
        )

    return ctx.db.run_raw(work)


async def widget_session(request: Request) -> Response:
    """Served by `middleware.widget_session_route` ahead of routing; this route answers only
    when that middleware is not installed (and describes the path's methods for 405s)."""
    ctx = get_context(request)
    data = await read_json(request, ctx.settings.max_body_bytes)
    answer = await session_answer(ctx, data, request.headers.get("origin"))
    return Response(answer, media_type="application/json")


async def widget_events(request: Request) -> Response:
    ctx = get_context(request)
    batch = await read_model(request, WidgetEventBatch, ctx.settings.max_body_bytes)
    identity = read_widget_token(batch.token, ctx.settings.secret_key)
    if identity is None:
        raise ApiError(
            401, "session_expired", "the session token is invalid or expired; call session again"
        )
    check_events(batch.events)
    events = [
        NewEvent(e.id, e.name, identity.user_id, identity.company_id, e.properties, e.timestamp)
        for e in batch.events
    ]
    origin = request.headers.get("origin")

    def work(raw: Raw) -> IngestResult:
        row = raw.one(WORKSPACE_BY_ID, (identity.workspace_id,))
        if row is None:
            raise ApiError(401, "session_expired", "this session's workspace no longer exists")
        workspace = widget_workspace(raw, row)
        check_origin(origin, workspace.allowed_origins)
        with write_transaction(raw):
            published = current_content(raw, ctx.published, workspace.id)
            result = ingest_batch(raw, workspace.id, events, "widget", published, ctx.db.known)
        ctx.db.known.learn(result.existing)
        return result

    result = await ctx.db.run_raw(work)
    body = result.as_json()
    for item in body["completed_items"]:
        del item["user_id"]  # always this user
    return JSONResponse(body)


routes = [
    Route("/api/v1/widget/session", widget_session, methods=["POST"]),
    Route("/api/v1/widget/events", widget_events, methods=["POST"]),
]
