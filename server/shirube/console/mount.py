"""`console_mount(settings, context)`: the console as one Mount with its own middleware, so
sessions, cookies and HTML error pages apply to /console only, never to the API or widget."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from shirube.console import (
    admins,
    audit,
    auth,
    broken_targets,
    builder,
    dashboard,
    editor,
    editor_suggest,
    language,
    pages,
    password,
    theme,
    theme_preview,
    versions,
    webhooks,
)
from shirube.console.headers import SecurityHeaders
from shirube.console.render import (
    html_domain_error,
    html_error,
    html_server_error,
    template_environment,
)
from shirube.console.sessions import ConsoleSessions, derive_key
from shirube.console.state import Console, ProvideConsole
from shirube.context import AppContext
from shirube.errors import DomainError
from shirube.settings import Settings

CONSOLE_PATH = "/console"
STATIC = Path(__file__).parent / "static"


class _ConsoleMount(Mount):
    """A Mount that also takes its own bare path: Starlette's Mount only matches "/console/…",
    so "/console" was redirected by the app's router, outside the console's middleware and
    without its security headers. Here the console's router gives that redirect itself."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        root_path = scope.get("root_path", "")
        if scope["type"] == "http" and scope["path"] == root_path + self.path:
            return Match.FULL, {
                "path_params": dict(scope.get("path_params", {})),
                "app_root_path": scope.get("app_root_path", root_path),
                "root_path": root_path + self.path,
                "endpoint": self.app,
            }
        return super().matches(scope)


def console_mount(settings: Settings, context: AppContext) -> Mount:
    console = Console(
        context=context,
        templates=template_environment(),
        fingerprint_key=derive_key(settings.secret_key, "fingerprint"),
    )
    routes = [
        *auth.routes,
        *pages.routes,
        *webhooks.routes,
        *builder.routes,
        *dashboard.routes,
        *versions.routes,
        *admins.routes,
        *audit.routes,
        *theme.routes,
        *theme_preview.routes,
        *broken_targets.routes,
        *language.routes,
        *password.routes,
        *editor_suggest.routes,
        *editor.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return _ConsoleMount(
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
            # HTML error pages here instead of the API's JSON errors, for unexpected failures
            # (database down) too: the app's own handler would answer JSON without our headers.
            Middleware(
                ExceptionMiddleware,
                handlers={
                    HTTPException: html_error,
                    DomainError: html_domain_error,
                    Exception: html_server_error,
                },
            ),
        ],
    )
