"""Widget API: `session` (identify + everything the user needs) and `events`.

Authenticated by the workspace public key and the request's Origin; `events` additionally needs
the session token that `session` returned.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from shirube.api.batch_metrics import count_refused, count_stored
from shirube.api.errors import ApiError, error_response
from shirube.api.query import check_query
from shirube.api.request_body import (
    check_declared_length,
    parse_json_body,
    read_asgi_body,
    read_model,
)
from shirube.api.routing import get_context, route
from shirube.context import AppContext
from shirube.errors import DomainError, FieldError, NotAuthenticated, ValidationFailed
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
from shirube.services.ingest import NewEvent, ingest_widget_batch
from shirube.services.widget_session import SessionRequest, open_session
from shirube.storage import Connection
from shirube.validation import Strict, validate_model

SESSION_PATH = "/api/v1/widget/session"


class SessionBody(Strict):
    public_key: str = Field(min_length=1, max_length=64)
    user_id: ExternalId
    traits: Traits | None = None
    locale: Locale | None = None
    company: CompanyIn | None = None
    identity_token: str | None = Field(default=None, max_length=4096)


def session_request(data: Any) -> tuple[str, SessionRequest]:
    """The public key and the request of a decoded body, or the validation error."""
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("", "request body must be a JSON object")])
    body = validate_model(SessionBody, data)
    return body.public_key, request_of(body)


def request_of(body: SessionBody) -> SessionRequest:
    # The traits are dicts of pydantic's own making: nobody else holds them.
    company = body.company
    return SessionRequest(
        body.user_id,
        body.traits,
        body.locale.replace("_", "-") if body.locale else None,
        company.id if company is not None else None,
        (company.traits or None) if company is not None else None,
        body.identity_token,
    )


_JSON = (b"content-type", b"application/json")
_VARY = (b"vary", b"Origin")


class WidgetSession:
    """`POST /api/v1/widget/session` as a plain ASGI endpoint.

    The widget's first call is the hottest request there is (one per page load of every end
    user). Through Starlette's routing, middleware stack, Request, Response and header objects
    it paid about 60 µs of the server's CPU per request on the benchmark machine, as much as
    the two database reads (bench/README.md); so `middleware.shortcut.Shortcut` hands it the
    request ahead of all of them, and this endpoint builds its answer from the ASGI messages,
    CORS pair included. The Route that names it too answers the other methods (405).
    Unexpected errors propagate to Starlette's `ServerErrorMiddleware`, outside the shortcut.
    One per application (`create_app`), holding its context.
    """

    def __init__(self, context: AppContext) -> None:
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        context = self.context
        origin: bytes | None = None
        declared: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"origin":
                if origin is None:
                    origin = value
            elif name == b"content-length" and declared is None:
                declared = value
        origin_text = None if origin is None else origin.decode("latin-1")
        max_bytes = context.settings.max_body_bytes
        try:
            check_query(scope.get("query_string", b""), ())
            check_declared_length(
                None if declared is None else declared.decode("latin-1"), max_bytes
            )
            data = parse_json_body(await read_asgi_body(receive, max_bytes))
            public_key, request = session_request(data)
            settings = context.settings

            def work(conn: Connection) -> bytes:
                return open_session(
                    conn,
                    public_key,
                    origin_text,
                    request,
                    context.published,
                    context.progress,
                    token_secret=settings.secret_key,
                    token_ttl=settings.widget_token_ttl_seconds,
                )

            answer = await context.db.run(work, transaction=False, repeatable=True, hot=True)
        except (ApiError, DomainError) as exc:
            response = error_response(exc)
            if origin_text is not None:
                response.headers["Access-Control-Allow-Origin"] = origin_text
                response.headers.add_vary_header("Origin")
            await response(scope, receive, send)
            return
        headers = [(b"content-length", b"%d" % len(answer)), _JSON]
        if origin is not None:
            headers += [(b"access-control-allow-origin", origin), _VARY]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})


async def widget_events(request: Request) -> Response:
    ctx = get_context(request)
    batch = await read_model(request, WidgetEventBatch, ctx.settings.max_body_bytes)
    try:
        identity = read_widget_token(batch.token, ctx.settings.secret_key)
        if identity is None:
            raise NotAuthenticated(
                "session_expired", "the session token is invalid or expired; call session again"
            )
        check_events(batch.events)
        events = [
            NewEvent(e.id, e.name, identity.user_id, identity.company_id, e.properties, e.timestamp)
            for e in batch.events
        ]
        result = await ingest_widget_batch(ctx, identity, request.headers.get("origin"), events)
    except Exception:
        count_refused(ctx, "widget", len(batch.events))
        raise
    count_stored(ctx, request.scope, "widget", events, result)
    body = result.as_json()
    for item in body["completed_items"]:
        del item["user_id"]  # always this user
    return JSONResponse(body)


def session_route(session: WidgetSession) -> Route:
    """The session's Route: routed for its other methods (405), taken ahead of routing for
    POST (`middleware.shortcut.Shortcut`)."""
    return Route(SESSION_PATH, session, methods=["POST"])


def routes(session: Route) -> list[Route]:
    return [session, route("/api/v1/widget/events", POST=widget_events)]
