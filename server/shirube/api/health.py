"""`GET /healthz`: whether this instance can reach its database."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from shirube import __version__
from shirube.api.routing import get_context, route
from shirube.jsonresponse import JSONResponse


async def healthz(request: Request) -> Response:
    database_ok = await get_context(request).db.ping_async()
    body = {
        "status": "ok" if database_ok else "unavailable",
        "database": database_ok,
        "version": __version__,
    }
    return JSONResponse(body, status_code=200 if database_ok else 503)


routes = [route("/healthz", GET=healthz)]
