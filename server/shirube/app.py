"""`create_app(settings)`: the whole Shirube ASGI application."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

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
    webhooks,
    widget,
    widget_assets,
    workspace_settings,
)
from shirube.api.errors import (
    ApiError,
    api_error_handler,
    http_error_handler,
    server_error_handler,
)
from shirube.console import console_mount
from shirube.context import AppContext
from shirube.errors import DomainError
from shirube.middleware.reject_nul import RejectNulMiddleware
from shirube.middleware.shortcut import Shortcut
from shirube.middleware.widget_cors import WidgetCORSMiddleware
from shirube.services.webhook_worker import WebhookWorker
from shirube.settings import Settings
from shirube.storage import Database


def webhook_worker(context: AppContext) -> WebhookWorker:
    settings = context.settings
    return WebhookWorker(
        context.db,
        context.outbound,
        timeout=settings.webhook_timeout_seconds,
        retention=timedelta(days=settings.webhook_retention_days),
        bell=context.webhook_bell,
    )


def create_app(settings: Settings, database: Database | None = None) -> Starlette:
    """Build the application. Migrations are not run here: `shirube serve` and
    `shirube db upgrade` run them, so tests and tools control when the schema changes."""
    db = database or Database(settings.database_url, lock_wait=settings.lock_wait_seconds)
    context = AppContext.build(settings, db)
    session = widget.WidgetSession(context)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The webhook worker delivers what the outbox holds, what earlier processes left
        # undelivered included (services/webhook_worker.py).
        worker = (
            asyncio.create_task(webhook_worker(context).run()) if settings.webhook_worker else None
        )
        try:
            yield
        finally:
            if worker is not None:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            if database is None:
                db.dispose()

    routes = [
        *health.routes,
        *openapi.routes,
        *events.routes,
        *widget.routes(session),
        *widget_assets.routes(),
        *content.routes,
        *people.routes,
        *transfer.routes,
        *workspace_settings.routes,
        *webhooks.routes,
        # HTML pages with their own session cookie and headers, confined to /console.
        console_mount(settings, context),
    ]
    middleware = [
        # First: the widget session skips the rest of the stack (api/widget.py says why).
        Middleware(Shortcut, path=widget.SESSION_PATH, endpoint=session),
        Middleware(RejectNulMiddleware),
        Middleware(WidgetCORSMiddleware),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            ApiError: api_error_handler,
            DomainError: api_error_handler,
            HTTPException: http_error_handler,
            Exception: server_error_handler,
        },
        lifespan=lifespan,
    )
    app.state.shirube = context
    return app
