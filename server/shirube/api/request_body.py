"""Reading request bodies: size limits while streaming, JSON decoding, U+0000, and the
validation of the decoded body, all answered with 4xx errors that name the problem."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel
from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive

from shirube.api.errors import ApiError
from shirube.errors import FieldError, ValidationFailed
from shirube.jsontext import may_hold_big_integers
from shirube.validation import format_path, validate_model

M = TypeVar("M", bound=BaseModel)


async def read_json(request: Request, max_bytes: int) -> Any:
    """Read and decode a JSON body, refusing oversize and malformed bodies with 4xx errors.

    Any content type is accepted: `navigator.sendBeacon` can only send CORS-safelisted ones
    (text/plain), so the widget's final flush arrives that way.
    """
    check_declared_length(request.headers.get("content-length"), max_bytes)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        chunks.append(chunk)
    return parse_json_body(b"".join(chunks))


def declared_length(declared: str | None) -> int | None:
    """A Content-Length header as a number; None when absent or not plain ASCII digits
    (isdigit() alone takes "²", which int() refuses). Past 18 digits it is just "huge":
    int() refuses strings of over 4,300 digits."""
    if declared is None or not (declared.isascii() and declared.isdigit()):
        return None
    digits = declared.lstrip("0")
    return int(digits or "0") if len(digits) <= 18 else 10**18


def check_declared_length(declared: str | None, max_bytes: int) -> None:
    """Refuse a body whose Content-Length is over the limit before reading it."""
    length = declared_length(declared)
    if length is not None and length > max_bytes:
        raise _too_large(max_bytes)


async def read_asgi_body(receive: Receive, max_bytes: int) -> bytes:
    """The request body straight from ASGI messages (what `request.stream()` does), for the
    routes served without a Request object."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()


def parse_json_body(body: bytes) -> Any:
    """A read body decoded as JSON, with the same 4xx errors as `read_json`."""
    if not body:
        raise ApiError(400, "invalid_json", "request body is empty; a JSON object is expected")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"request body is not valid JSON: {exc}") from None
    if may_hold_big_integers(body):
        # Read again, now that orjson has found it valid (no NaN, no lone surrogate), so that
        # integers beyond 64 bits are kept exact rather than rounded to floats.
        try:
            data = json.loads(body)
        except RecursionError:
            # orjson reads 1,024 levels, the standard library a few less.
            raise ApiError(
                400, "invalid_json", "request body is not valid JSON: nested too deeply"
            ) from None
    # PostgreSQL cannot store U+0000 in text or JSONB; refuse it on both engines alike.
    if b"\\u0000" in body:
        path = nul_path(data)
        if path is not None:
            raise ValidationFailed([FieldError(path, "must not contain the character U+0000")])
    return data


def nul_path(value: Any) -> str | None:
    """Path of the first string (or key) holding U+0000, without recursion."""
    stack: list[tuple[Any, list[int | str]]] = [(value, [])]
    while stack:
        current, loc = stack.pop()
        if isinstance(current, str):
            if "\x00" in current:
                return format_path(loc)
        elif isinstance(current, dict):
            for key, child in current.items():
                if "\x00" in key:
                    return format_path(loc)
                stack.append((child, [*loc, key]))
        elif isinstance(current, list):
            stack.extend((child, [*loc, index]) for index, child in enumerate(current))
    return None


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(413, "body_too_large", f"request body exceeds {max_bytes} bytes")


async def read_model(request: Request, model: type[M], max_bytes: int) -> M:
    data = await read_json(request, max_bytes)
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("", "request body must be a JSON object")])
    return validate_model(model, data)


def validate_as_path_id(value: str, name: str, max_length: int = 255) -> str:
    """External ids taken from the URL follow the same limits as in bodies."""
    if not value or len(value) > max_length:
        raise ValidationFailed([FieldError(name, f"must be 1 to {max_length} characters")])
    return value
