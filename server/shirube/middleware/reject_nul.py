"""Refuse URLs whose path holds U+0000 (`%00`): PostgreSQL cannot store or compare it, and no
id, key or route contains it. Same 400 on both engines instead of a database error."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from shirube.api.errors import error_body
from shirube.jsonresponse import JSONResponse


class RejectNulMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "\x00" in scope["path"]:
            body = error_body("bad_request", "the URL path must not contain %00")
            await JSONResponse(body, status_code=400)(scope, receive, send)
            return
        await self.app(scope, receive, send)
