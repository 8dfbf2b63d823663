"""`GET /metrics`: the Prometheus text format, served only when `SHIRUBE_METRICS_TOKEN` is set,
to requests bearing it (`Authorization: Bearer …`); otherwise the path is not served at all
(404 like any unknown path). docs/operations.md lists the metrics."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.api.errors import ApiError
from shirube.api.routing import get_context
from shirube.observability.metrics import CONTENT_TYPE

PATH = "/metrics"


async def metrics(request: Request) -> Response:
    ctx = get_context(request)
    expected = ctx.settings.metrics_token
    assert expected is not None, "served only with a token"
    scheme, _, offered = request.headers.get("authorization", "").partition(" ")
    # Compared in constant time, as bytes (header text is latin-1; compare_digest refuses
    # non-ASCII str).
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        offered.strip().encode("latin-1"), expected.encode("ascii")
    ):
        raise ApiError(
            401,
            "unauthorized",
            "missing or wrong metrics token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    body = await ctx.metrics.exposition()
    # Figures of the moment: no cache on the way may keep them.
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


def routes(token: str | None) -> list[Route]:
    return [] if token is None else [Route(PATH, metrics, methods=["GET"])]
