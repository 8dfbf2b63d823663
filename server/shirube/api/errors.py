"""The one JSON error shape every endpoint answers with: domain errors mapped to their HTTP
status here and nowhere else, HTTP-level refusals (`ApiError`: a body too large, bad JSON, a
missing key), Starlette's HTTP errors and anything unexpected."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from shirube.errors import (
    Conflict,
    DomainError,
    FieldError,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    Unavailable,
    ValidationFailed,
)
from shirube.jsonresponse import JSONResponse
from shirube.observability.request_id import current_request_id

logger = logging.getLogger("shirube")

STATUS_OF: dict[type[DomainError], int] = {
    ValidationFailed: 422,
    NotFound: 404,
    Conflict: 409,
    NotAuthenticated: 401,
    NotAllowed: 403,
    Unavailable: 503,
}


@dataclass
class ApiError(Exception):
    """A refusal of the HTTP layer itself: `status` 4xx, a stable `code`, a `message`."""

    status: int
    code: str
    message: str
    fields: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


def status_of(exc: DomainError) -> int:
    for kind in type(exc).__mro__:
        status = STATUS_OF.get(kind)
        if status is not None:
            return status
    return 400


def error_body(code: str, message: str, fields: list[FieldError] | None = None) -> dict[str, Any]:
    """With the id of the request being answered (middleware/observe.py), which a client can
    quote to find the server's log lines of it."""
    return {
        "error": {
            "code": code,
            "message": message,
            "fields": [f.as_json() for f in fields or []],
            "request_id": current_request_id(),
        }
    }


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def retry_headers(exc: DomainError) -> dict[str, str] | None:
    """Retry-After on a refusal that a later identical request may not meet."""
    if isinstance(exc, Unavailable):
        return {"Retry-After": str(exc.retry_after)}
    return None


def error_response(exc: ApiError | DomainError) -> Response:
    if isinstance(exc, DomainError):
        body = error_body(exc.code, exc.message, exc.fields)
        return JSONResponse(body, status_of(exc), headers=retry_headers(exc))
    return JSONResponse(
        error_body(exc.code, exc.message, exc.fields), status_code=exc.status, headers=exc.headers
    )


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError | DomainError)
    return error_response(exc)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if exc.status_code == 404:
        message = "no such endpoint"
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


async def server_error_handler(request: Request, exc: Exception) -> Response:
    """Answered by Starlette's ServerErrorMiddleware, outside the middleware that adds the
    request id to every answer: added here."""
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    request_id = current_request_id()
    return JSONResponse(
        error_body("internal_error", "the server failed to handle this request"),
        status_code=500,
        headers=None if request_id is None else {"X-Request-Id": request_id},
    )
