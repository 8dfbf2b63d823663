"""Every HTTP request, the widget session's included: its id (taken or made, returned in
`X-Request-Id`), its count and duration in the metrics by route template, and its access log
line. The outermost middleware, so that it sees what the others answer (the widget session
the shortcut takes, refusals of the other middleware, 404s); cheap, since it is on every
request (bench/README.md has its cost).

The request id is set for the request's task and not reset: what runs after this middleware
in that task belongs to the request (Starlette's 500 handler, uvicorn's "Exception in ASGI
application" log line), and uvicorn serves each request in a task of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from time import perf_counter

from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shirube.observability.metrics import METHODS, Metrics
from shirube.observability.request_id import HEADER, REQUEST_ID, accept_or_new

STARTED = "shirube.started"  # the scope's key for the perf_counter() at arrival
UNMATCHED = "unmatched"  # the route label of a request that no route takes
access_log = logging.getLogger("shirube.access")


class Observe:
    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.requests = metrics.requests
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        scope[STARTED] = started
        offered = None
        for name, value in scope["headers"]:
            if name == HEADER:
                offered = value
                break
        request_id = accept_or_new(offered)
        REQUEST_ID.set(request_id)
        id_header = (HEADER, request_id.encode("ascii"))
        root_path: str = scope.get("root_path", "")
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Starlette's ServerErrorMiddleware, outside this one, answers 500.
            status = status or 500
            raise
        finally:
            # No answer at all: the client went away (nginx's 499).
            status = status or 499
            seconds = perf_counter() - started
            method = scope["method"]
            if method not in METHODS:
                method = "other"
            route = self._template(scope, root_path)
            self.requests.observe(route, method, status, seconds)
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_log.info(
                    "%s %s %d",
                    method,
                    route,
                    status,
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 3),
                        "client": client[0] if client else None,
                    },
                )

    def _template(self, scope: Scope, root_path: str) -> str:
        """The route's path template, its converters left out (`/workspaces/{workspace_id}`),
        below the mounts that led to it; never the path the client sent."""
        route = scope.get("route")
        if route is None:
            return self._lookup(scope)
        inner_root: str = scope.get("root_path", "")
        if inner_root == root_path and isinstance(route, Route):
            return route.path_format
        prefix = inner_root[len(root_path) :]
        if isinstance(route, Mount):
            prefix = prefix[: len(prefix) - len(route.path)]  # the mount's own path is in it
        return prefix + str(getattr(route, "path_format", ""))

    def _lookup(self, scope: Scope) -> str:
        """The template of a request answered before routing (a CORS preflight, a refused
        path) or that no route took: matched again here, which only such requests pay."""
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                return str(getattr(route, "path_format", UNMATCHED))
        return UNMATCHED
