"""`create_app(settings)`: the whole Shirube ASGI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from shirube.api import (
    content,
    events,
    health,
    openapi,
    people,
    transfer,
    widget,
    widget_assets,
    workspace_settings,
)
from shirube.console import console_mount
from shirube.context import AppContext
from shirube.db import Database
from shirube.errors import ApiError, api_error_handler, http_error_handler, server_error_handler
from shirube.middleware.reject_nul import RejectNulMiddleware
from shirube.middleware.widget_cors import WidgetCORSMiddleware
from shirube.middleware.widget_session_route import WidgetSessionRoute
from shirube.services.progress_cache import ProgressCache
from shirube.services.published import PublishedCache
from shirube.settings import Settings


def create_app(settings: Settings, database: Database | None = None) -> Starlette:
    """Build the application. Migrations are not run here: `shirube serve` and
    `shirube db upgrade` run them, so tests and tools control when the schema changes."""
    db = database or Database(settings.database_url)
    context = AppContext(
        settings=settings,
        db=db,
        published=PublishedCache(settings.content_cache_size),
        progress=ProgressCache(settings.progress_cache_size),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if database is None:
            db.dispose()

    routes = [
        *health.routes,
        *openapi.routes,
        *events.routes,
        *widget.routes,
        *widget_assets.routes(),
        *content.routes,
        *people.routes,
        *transfer.routes,
        *workspace_settings.routes,
        # HTML pages with their own session cookie and headers, confined to /console.
        console_mount(settings, context),
    ]
    middleware = [
        # First: the widget session skips the rest of the stack (see the module).
        Middleware(WidgetSessionRoute, context=context),
        Middleware(RejectNulMiddleware),
        Middleware(WidgetCORSMiddleware),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            ApiError: api_error_handler,
            HTTPException: http_error_handler,
            Exception: server_error_handler,
        },
        lifespan=lifespan,
    )
    app.state.shirube = context
    return app
