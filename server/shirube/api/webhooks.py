"""Server API for webhook endpoints: register, change, rotate their secret, read the delivery
log, resend a delivery (docs/webhooks.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import Field, StringConstraints
from starlette.requests import Request
from starlette.responses import Response

from shirube.api.auth import server_workspace
from shirube.api.query import Choice, Count, Flag
from shirube.api.request_body import read_model
from shirube.api.routing import get_context, route
from shirube.jsonresponse import JSONResponse
from shirube.jsontext import loads
from shirube.services import webhook_endpoints as endpoints
from shirube.services import webhook_log as deliveries
from shirube.services import webhook_secrets as secrets
from shirube.services.webhook_endpoints import EndpointChanges
from shirube.storage import Connection
from shirube.timeutil import utcnow
from shirube.validation import Strict

T = TypeVar("T")

FINISH = Flag("finish", False, "true: retire the previous secret instead of issuing a new one")
LIMIT = Count("limit", 50, 1, deliveries.LOG_PAGE_MAX, "deliveries on a page, newest first")
BEFORE = Count(
    "before", 0, 0, 2**31 - 1, "the page before this delivery id (next_before); 0: the newest"
)
STATE = Choice("state", deliveries.STATES, "only the deliveries in this state")
LOG_QUERY = (LIMIT, BEFORE, STATE)

KindName = Annotated[str, StringConstraints(max_length=64)]


class WebhookEndpointBody(Strict):
    url: str = Field(max_length=2000)
    kinds: list[KindName] = Field(min_length=1, max_length=16)
    description: str | None = Field(default=None, max_length=200)
    enabled: bool = True


class WebhookEndpointPatch(Strict):
    url: str | None = Field(default=None, max_length=2000)
    kinds: list[KindName] | None = Field(default=None, min_length=1, max_length=16)
    description: str | None = Field(default=None, max_length=200)
    enabled: bool | None = None


async def _run(request: Request, work: Callable[[Connection, int], T], **kwargs: Any) -> T:
    """Authenticate, then run `work(conn, workspace_id)` (one transaction unless told)."""
    workspace = await server_workspace(request)
    workspace_id = workspace.id
    return await get_context(request).db.run(lambda conn: work(conn, workspace_id), **kwargs)


def _endpoint_id(request: Request) -> int:
    value: int = request.path_params["endpoint_id"]
    return value


def _delivery_id(request: Request) -> int:
    value: int = request.path_params["delivery_id"]
    return value


async def list_webhooks(request: Request) -> Response:
    found = await _run(request, endpoints.list_endpoints, transaction=False)
    now = utcnow()
    return JSONResponse({"data": [endpoint.as_json(now) for endpoint in found]})


async def create_webhook(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    body = await read_model(request, WebhookEndpointBody, ctx.settings.max_body_bytes)
    changes = EndpointChanges(
        url=body.url, kinds=body.kinds, description=body.description, enabled=body.enabled
    )
    now = utcnow()
    created = await ctx.db.run(
        lambda conn: endpoints.create_endpoint(conn, workspace.id, changes, ctx.outbound, now)
    )
    # The secret is shown here and after a rotation, never again.
    return JSONResponse({**created.as_json(now), "secret": created.secret}, status_code=201)


async def get_webhook(request: Request) -> Response:
    endpoint_id = _endpoint_id(request)
    found = await _run(
        request,
        lambda conn, ws: endpoints.get_endpoint(conn, ws, endpoint_id),
        transaction=False,
    )
    return JSONResponse(found.as_json(utcnow()))


async def patch_webhook(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    endpoint_id = _endpoint_id(request)
    body = await read_model(request, WebhookEndpointPatch, ctx.settings.max_body_bytes)
    changes = EndpointChanges(
        url=body.url,
        kinds=body.kinds,
        description=body.description,
        enabled=body.enabled,
        clear_description="description" in body.model_fields_set and body.description is None,
    )
    now = utcnow()
    changed = await ctx.db.run(
        lambda conn: endpoints.update_endpoint(
            conn, workspace.id, endpoint_id, changes, ctx.outbound, now
        )
    )
    return JSONResponse(changed.as_json(now))


async def delete_webhook(request: Request) -> Response:
    endpoint_id = _endpoint_id(request)
    await _run(request, lambda conn, ws: endpoints.delete_endpoint(conn, ws, endpoint_id))
    return Response(status_code=204)


async def rotate_secret(request: Request) -> Response:
    """A new secret, shown this once; the previous one keeps signing for 24 hours, or until
    `?finish=true`, which ends the rotation."""
    endpoint_id = _endpoint_id(request)
    now = utcnow()
    if FINISH.read(request):
        finished = await _run(
            request, lambda conn, ws: secrets.finish_rotation(conn, ws, endpoint_id, now)
        )
        return JSONResponse(finished.as_json(now))
    rotated, secret = await _run(
        request, lambda conn, ws: secrets.rotate_secret(conn, ws, endpoint_id, now)
    )
    return JSONResponse({**rotated.as_json(now), "secret": secret})


async def list_deliveries(request: Request) -> Response:
    endpoint_id = _endpoint_id(request)
    limit = LIMIT.read(request)
    before = BEFORE.read(request) or None
    state = STATE.read(request)
    page = await _run(
        request,
        lambda conn, ws: deliveries.delivery_log(
            conn, ws, endpoint_id, limit=limit, before=before, state=state
        ),
        transaction=False,
    )
    return JSONResponse(
        {"data": [row.as_json() for row in page.deliveries], "next_before": page.next_before}
    )


def _detail_json(detail: deliveries.DeliveryDetail) -> dict[str, Any]:
    return {
        **detail.delivery.as_json(),
        "payload": loads(detail.body),
        "attempts": [attempt.as_json() for attempt in detail.attempts],
    }


async def get_delivery(request: Request) -> Response:
    endpoint_id, delivery_id = _endpoint_id(request), _delivery_id(request)
    detail = await _run(
        request, lambda conn, ws: deliveries.get_delivery(conn, ws, endpoint_id, delivery_id)
    )
    return JSONResponse(_detail_json(detail))


async def resend_delivery(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    endpoint_id, delivery_id = _endpoint_id(request), _delivery_id(request)
    now = utcnow()
    detail = await ctx.db.run(
        lambda conn: deliveries.resend(conn, workspace.id, endpoint_id, delivery_id, now)
    )
    ctx.webhook_bell.ring()
    return JSONResponse(_detail_json(detail), status_code=202)


_BASE = "/api/v1/webhooks"
_ENDPOINT = _BASE + "/{endpoint_id:int}"
routes = [
    route(_BASE, GET=list_webhooks, POST=create_webhook),
    route(_ENDPOINT, GET=get_webhook, PATCH=patch_webhook, DELETE=delete_webhook),
    route(_ENDPOINT + "/secret/rotate", query=(FINISH,), POST=rotate_secret),
    route(_ENDPOINT + "/deliveries", query=LOG_QUERY, GET=list_deliveries),
    route(_ENDPOINT + "/deliveries/{delivery_id:int}", GET=get_delivery),
    route(_ENDPOINT + "/deliveries/{delivery_id:int}/resend", POST=resend_delivery),
]
