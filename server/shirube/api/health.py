"""`GET /healthz`, liveness: the process answers (a load balancer or orchestrator restarts an
instance that does not). `GET /readyz`, readiness: the database answers too (an instance that
cannot reach it is taken out of rotation, not restarted). A lock another process holds on a
table makes neither fail: requests that need the table wait for it off the event loop
(storage/lock_wait.py)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from shirube import __version__
from shirube.api.routing import get_context, route
from shirube.jsonresponse import JSONResponse

# Under the 2 s probe timeouts load balancers use by default.
READY_TIMEOUT_SECONDS = 1.5


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok", "version": __version__})


async def readyz(request: Request) -> Response:
    try:
        database_ok = await asyncio.wait_for(
            get_context(request).db.ping_async(), READY_TIMEOUT_SECONDS
        )
    except TimeoutError:
        database_ok = False
    body = {
        "status": "ok" if database_ok else "unavailable",
        "database": database_ok,
        "version": __version__,
    }
    return JSONResponse(body, status_code=200 if database_ok else 503)


routes = [route("/healthz", GET=healthz), route("/readyz", GET=readyz)]
