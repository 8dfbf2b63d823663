"""What console handlers share, handed to them in the ASGI scope by the console's mount."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from shirube.context import AppContext

SCOPE_KEY = "shirube.console"


@dataclass(frozen=True)
class Console:
    context: AppContext
    templates: Environment
    # Keys the password fingerprints kept in sessions (sessions.py).
    fingerprint_key: str


def console_of(request: Request) -> Console:
    console = request.scope[SCOPE_KEY]
    assert isinstance(console, Console), "console_mount() must serve the console"
    return console


class ProvideConsole:
    """Puts the Console in the scope: handlers need no app.state, so the console mounts in
    any Starlette app (create_app's, or a test's)."""

    def __init__(self, app: ASGIApp, console: Console) -> None:
        self.app = app
        self.console = console

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[SCOPE_KEY] = self.console
        await self.app(scope, receive, send)
