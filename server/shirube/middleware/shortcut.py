"""A POST to one path handed straight to its ASGI endpoint, ahead of the other middleware and
Starlette's routing (api/widget.py says why the widget session needs it). The endpoint is the
one its Route serves too: the Route answers the path's other methods."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class Shortcut:
    def __init__(self, app: ASGIApp, path: str, endpoint: ASGIApp) -> None:
        self.app = app
        self.path = path
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and _route_path(scope) == self.path
        ):
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
