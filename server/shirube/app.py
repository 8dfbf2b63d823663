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
    analytics,
    builder,
    content,
    events,
    health,
    metrics,
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
from shirube.middleware.observe import Observe
from shirube.middleware.reject_nul import RejectNulMiddleware
from shirube.middleware.shortcut import Shortcut
from shirube.middleware.widget_cors import WidgetCORSMiddleware
from shirube.services import webhook_stats
from shirube.services.kpi_worker import KpiWorker
from shirube.services.webhook_worker import WebhookWorker
from shirube.settings import Settings
from shirube.storage import Database
from shirube.timeutil import utcnow


def webhook_worker(context: AppContext) -> WebhookWorker:
    settings = context.settings
    return WebhookWorker(
        context.db,
        context.outbound,
        timeout=settings.webhook_timeout_seconds,
        retention=timedelta(days=settings.webhook_retention_days),
        bell=context.webhook_bell,
    )


def register_webhook_gauges(context: AppContext) -> None:
    """The webhooks' figures in /metrics, read from the outbox when scraped (at most once per
    5 s; docs/operations.md): shared by every instance, so any instance's scrape tells them."""
    gauges = context.metrics.database_gauges
    gauges.register(
        "shirube_webhook_queue_depth",
        "Webhook deliveries waiting for an attempt (due or not), all workspaces.",
        webhook_stats.queue_depth,
    )
    gauges.register(
        "shirube_webhook_deliveries_due",
        "Webhook deliveries whose attempt is due now: growing, the workers fall behind.",
        lambda conn: webhook_stats.due_count(conn, utcnow()),
    )
    gauges.register(
        "shirube_webhook_deliveries_failed",
        "Webhook deliveries given up on (every attempt failed), still in the delivery log.",
        webhook_stats.failed_count,
    )
    gauges.register(
        "shirube_webhook_endpoints_disabled",
        "Webhook endpoints disabled because they kept failing or answered 410.",
        webhook_stats.disabled_endpoint_count,
    )


def create_app(settings: Settings, database: Database | None = None) -> Starlette:
    """Build the application. Migrations are not run here: `shirube serve` and
    `shirube db upgrade` run them, so tests and tools control when the schema changes."""
    db = database or Database(settings.database_url, lock_wait=settings.lock_wait_seconds)
    context = AppContext.build(settings, db)
    register_webhook_gauges(context)
    session = widget.session_route(widget.WidgetSession(context))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The webhook worker delivers what the outbox holds, what earlier processes left
        # undelivered included (services/webhook_worker.py).
        workers = []
        if settings.webhook_worker:
            workers.append(asyncio.create_task(webhook_worker(context).run()))
        # The KPI worker keeps goals' and KPIs' rows up to date (services/kpi_worker.py).
        if settings.kpi_worker:
            workers.append(asyncio.create_task(KpiWorker(db, context.published).run()))
        try:
            yield
        finally:
            for worker in workers:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            if database is None:
                db.dispose()

    routes = [
        *health.routes,
        *metrics.routes(settings.metrics_token),
        *openapi.routes,
        *events.routes,
        *widget.routes(session),
        *builder.routes,
        *widget_assets.routes(),
        *content.routes,
        *people.routes,
        *transfer.routes,
        *workspace_settings.routes,
        *webhooks.routes,
        *analytics.routes,
        # HTML pages with their own session cookie and headers, confined to /console.
        console_mount(settings, context),
    ]
    middleware = [
        # Outermost: request ids, metrics and access log lines for every answer, the widget
        # session's and the other middleware's included.
        Middleware(Observe, metrics=context.metrics, routes=routes),
        # The widget session skips the rest of the stack (api/widget.py says why).
        Middleware(Shortcut, route=session),
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
