"""What routes share: one Route per path whatever its methods (so that a 405 names them all),
the query parameters it declares (api/query.py), and the application's context."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.api.query import QueryParam, check_query
from shirube.context import AppContext

Endpoint = Callable[[Request], Awaitable[Response]]


def route(path: str, *, query: tuple[QueryParam, ...] = (), **handlers: Endpoint) -> Route:
    """`route("/x", GET=read, PUT=write)`: one Route dispatching on the request method.
    A query parameter not in `query` is refused before the handler runs."""
    by_method = {method.upper(): handler for method, handler in handlers.items()}

    async def dispatch(request: Request) -> Response:
        check_query(request.scope.get("query_string", b""), query)
        return await by_method[request.method if request.method != "HEAD" else "GET"](request)

    dispatch.__name__ = "_".join(handler.__name__ for handler in by_method.values())
    return Route(path, dispatch, methods=list(by_method))


def get_context(request: Request) -> AppContext:
    context = request.app.state.shirube
    assert isinstance(context, AppContext), "create_app() must build the application"
    return context
