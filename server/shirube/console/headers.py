"""Security headers on every console response (pages, redirects, errors, the stylesheet)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Scripts only from the console's own static files (the content editor's editor.js): no inline
# script, no other origin; same-origin styles, images and fetches, and no framing
# (clickjacking of the sign-in and sign-out forms). default-src does not cover
# form-action or base-uri: without them, markup that ever got past escaping could post the
# sign-in form's password elsewhere or rebase every link.
CSP = "default-src 'self'; frame-ancestors {}; form-action 'self'; base-uri 'none'"
HEADERS = {
    "Content-Security-Policy": CSP.format("'none'"),
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
# What a page that our own pages frame sets on its response (the theme page's preview, which
# has no form): it is framed by our origin only, never by another site's.
FRAMED_BY_OWN_ORIGIN = ("X-Frame-Options", "SAMEORIGIN")

# A page whose form is answered by a redirect to another origin (the builder's "Open in my
# app", console/builder.py) names those origins here; Chromium applies form-action to the
# redirect too. Read and removed by the middleware, never sent.
FORM_TARGETS = "x-shirube-form-targets"


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
                framed = headers.get(FRAMED_BY_OWN_ORIGIN[0]) == FRAMED_BY_OWN_ORIGIN[1]
                targets = headers.get(FORM_TARGETS)
                for name, value in HEADERS.items():
                    headers[name] = value
                if framed:
                    headers["Content-Security-Policy"] = CSP.format("'self'")
                    headers[FRAMED_BY_OWN_ORIGIN[0]] = FRAMED_BY_OWN_ORIGIN[1]
                if targets is not None:
                    del headers[FORM_TARGETS]
                    csp = headers["Content-Security-Policy"]
                    headers["Content-Security-Policy"] = csp.replace(
                        "form-action 'self'", f"form-action 'self' {targets}"
                    )
                if secure:
                    headers[HSTS[0]] = HSTS[1]
            await send(message)

        await self.app(scope, receive, send_with_headers)
