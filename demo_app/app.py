"""`create_app(settings)`: Kintai Cloud, the demo host SaaS (Starlette + Jinja2 + SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from demo_app import auth, pages
from demo_app.db import Store
from demo_app.onboarding import Onboarding
from demo_app.seed import seed_if_empty
from demo_app.settings import DemoSettings, load_demo_settings
from demo_app.web import Services, redirect, render, template_environment

STATIC = Path(__file__).parent / "static"
ERROR_KEYS = {
    403: "error.forbidden",
    404: "error.not_found",
    411: "error.too_large",
    413: "error.too_large",
}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 303 and exc.headers:
        return redirect(exc.headers["Location"])
    key = "error.csrf" if exc.detail == "csrf" else ERROR_KEYS.get(exc.status_code, "")
    return render(
        request, "error.html", {"message_key": key, "status": exc.status_code}, exc.status_code
    )


def create_app(settings: DemoSettings, onboarding: Onboarding | None = None) -> Starlette:
    store = Store(settings.database_path)
    past = seed_if_empty(store)
    sdk = onboarding or Onboarding(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Queued only: Shirube receives them once it answers.
        sdk.replay(past)
        yield
        if onboarding is None:
            await sdk.close()

    app = Starlette(
        routes=[*auth.routes, *pages.routes, Mount("/static", StaticFiles(directory=STATIC))],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=settings.session_secret,
                session_cookie="kintai_session",
                same_site="lax",
                https_only=settings.https_only,
            )
        ],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.kintai = Services(store, sdk, template_environment())
    return app


def app_from_environment() -> Starlette:
    """For `uvicorn --factory demo_app.app:app_from_environment` against a running Shirube."""
    return create_app(load_demo_settings())
