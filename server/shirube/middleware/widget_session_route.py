"""`POST /api/v1/widget/session` served as plain ASGI, ahead of Starlette's middleware and
routing.

The widget's first call is the hottest request there is (one per page load of every end user).
Through Starlette it paid for two middlewares, route matching, a Request, a Response and
header objects: about 60 µs of the server's CPU per request on the benchmark machine, as much as
the two database reads (bench/README.md). Here the same answer is built from the ASGI messages
directly. What it answers is the same as the route's: the body read and decoded by the same
helpers (size limit, JSON errors, U+0000), the same validation and session work, the same
headers (`content-length`, `content-type`, and the widget CORS pair `WidgetCORSMiddleware`
adds), and API errors rendered by the same handler with the same CORS headers. Unexpected
errors propagate to Starlette's `ServerErrorMiddleware`, which sits outside this middleware,
as they did from the route.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from shirube.api.widget import session_answer
from shirube.context import AppContext
from shirube.errors import ApiError, api_error_handler
from shirube.validation import check_declared_length, parse_json_body, read_asgi_body

SESSION_PATH = "/api/v1/widget/session"
_JSON = (b"content-type", b"application/json")
_VARY = (b"vary", b"Origin")


class WidgetSessionRoute:
    def __init__(self, app: ASGIApp, context: AppContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or _route_path(scope) != SESSION_PATH
        ):
            await self.app(scope, receive, send)
            return
        origin: bytes | None = None
        declared: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"origin":
                if origin is None:
                    origin = value
            elif name == b"content-length" and declared is None:
                declared = value
        origin_text = None if origin is None else origin.decode("latin-1")
        max_bytes = self.context.settings.max_body_bytes
        try:
            check_declared_length(
                None if declared is None else declared.decode("latin-1"), max_bytes
            )
            data = parse_json_body(await read_asgi_body(receive, max_bytes))
            answer = await session_answer(self.context, data, origin_text)
        except ApiError as exc:
            await self._error(scope, receive, send, exc, origin_text)
            return
        headers = [(b"content-length", b"%d" % len(answer)), _JSON]
        if origin is not None:
            headers += [(b"access-control-allow-origin", origin), _VARY]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    @staticmethod
    async def _error(
        scope: Scope, receive: Receive, send: Send, exc: ApiError, origin: str | None
    ) -> None:
        """What the exception handler and `WidgetCORSMiddleware` answer on the route."""
        response = await api_error_handler(Request(scope, receive), exc)
        if origin is not None:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers.add_vary_header("Origin")
        await response(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path below the app's mount point, as Starlette's router matches it (its own helper
    lives in the private `starlette._utils`)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :]
    return path
