"""Security headers on every console response (pages, redirects, errors, the stylesheet)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Scripts only from the console's own static files (the content editor's editor.js): no inline
# script, no other origin; same-origin styles, images and fetches, and no framing
# (clickjacking of the sign-in and sign-out forms). default-src does not cover
# form-action or base-uri: without them, markup that ever got past escaping could post the
# sign-in form's password elsewhere or rebase every link.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    # Pages show one admin's data: no shared cache, and no copy left behind after sign-out.
    "Cache-Control": "no-store",
}
# Over https only (a browser ignores it over http, and a console served on plain http, the
# demo's, must stay reachable): the console, once seen over https, is never asked for over
# http again, where a network attacker could answer in its name. A year, the usual value.
HSTS = ("Strict-Transport-Security", "max-age=31536000")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        secure = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                if secure:
                    headers[HSTS[0]] = HSTS[1]
            await send(message)

        await self.app(scope, receive, send_with_headers)
