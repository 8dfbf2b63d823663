"""`console_mount(settings, context)`: the console as one Mount with its own middleware, so
sessions, cookies and HTML error pages apply to /console only, never to the API or widget."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from shirube.console import auth, pages
from shirube.console.headers import SecurityHeaders
from shirube.console.render import html_error, template_environment
from shirube.console.sessions import ConsoleSessions, derive_key
from shirube.console.state import Console, ProvideConsole
from shirube.context import AppContext
from shirube.settings import Settings

CONSOLE_PATH = "/console"
STATIC = Path(__file__).parent / "static"


def console_mount(settings: Settings, context: AppContext) -> Mount:
    console = Console(
        context=context,
        templates=template_environment(),
        fingerprint_key=derive_key(settings.secret_key, "fingerprint"),
    )
    routes = [
        *auth.routes,
        *pages.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Mount(
        CONSOLE_PATH,
        routes=routes,
        middleware=[
            # Outermost: redirects and error pages get the headers too.
            Middleware(SecurityHeaders),
            Middleware(
                ConsoleSessions,
                secret_key=settings.secret_key,
                always_secure=settings.console_secure_cookie,
            ),
            Middleware(ProvideConsole, console=console),
            # HTML error pages here instead of the API's JSON errors.
            Middleware(ExceptionMiddleware, handlers={HTTPException: html_error}),
        ],
    )
