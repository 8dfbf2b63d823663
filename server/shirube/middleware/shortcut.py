"""A POST to one route's path handed straight to its ASGI endpoint, ahead of the other
middleware and Starlette's routing (api/widget.py says why the widget session needs it). The
Route is the one the router serves too: it answers the path's other methods. The scope names
the route as routing would (`scope["route"]`), so that the metrics see its template."""

from __future__ import annotations

from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send


class Shortcut:
    def __init__(self, app: ASGIApp, route: Route) -> None:
        self.app = app
        self.route = route
        self.path = route.path
        self.endpoint: ASGIApp = route.endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and _route_path(scope) == self.path
        ):
            scope["route"] = self.route
            await self.endpoint(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path below the app's mount point, as Starlette's router matches it (its own helper
    lives in the private `starlette._utils`)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :]
    return path
