"""The one JSON error shape every endpoint answers with, and the handlers that produce it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from shirube.jsonresponse import JSONResponse

logger = logging.getLogger("shirube")


@dataclass(frozen=True)
class FieldError:
    path: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


@dataclass
class ApiError(Exception):
    """A client-visible error: `status` 4xx, a stable machine `code` and a human `message`."""

    status: int
    code: str
    message: str
    fields: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class ValidationFailed(ApiError):
    def __init__(self, fields: list[FieldError], message: str | None = None) -> None:
        if message is None:
            first = fields[0]
            message = f"{first.path}: {first.message}" if first.path else first.message
            if len(fields) > 1:
                message += f" (and {len(fields) - 1} more)"
        super().__init__(422, "validation_error", message, fields)


def not_found(what: str = "object") -> ApiError:
    # Same answer whether the object is absent or belongs to another workspace.
    return ApiError(404, "not_found", f"{what} not found")


def error_body(code: str, message: str, fields: list[FieldError] | None = None) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "fields": [f.as_json() for f in fields or []],
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


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(
        error_body(exc.code, exc.message, exc.fields), status_code=exc.status, headers=exc.headers
    )


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if exc.status_code == 404:
        message = "no such endpoint"
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


async def server_error_handler(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        error_body("internal_error", "the server failed to handle this request"),
        status_code=500,
    )
