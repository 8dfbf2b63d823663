"""Parse request bodies and validate them with pydantic, reporting errors by path.

Paths read like JavaScript accessors: `steps[2].target`, `events[0].timestamp`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive

from shirube.errors import ApiError, FieldError, ValidationFailed
from shirube.jsontext import may_hold_big_integers

T = TypeVar("T")

# Keys that read unambiguously after a dot; any other key is written as ["key"].
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_$-]+$")

# Largest integer every supported engine stores in an INTEGER column.
MAX_DB_INT = 2**31 - 1
M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    """Base for every request and content model: unknown keys are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


def format_path(loc: Sequence[int | str], prefix: str = "") -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not _PLAIN_KEY.match(part):
            path += f"[{json.dumps(part, ensure_ascii=False)}]"
        else:
            path = f"{path}.{part}" if path else part
    return path


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "is required"
    msg = str(error["msg"])
    # pydantic prefixes custom errors with "Value error, "; the path already says where.
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    return msg


def field_errors(exc: PydanticValidationError, prefix: str = "") -> list[FieldError]:
    errors: list[FieldError] = []
    for error in exc.errors(include_url=False):
        loc = [part for part in error["loc"] if not _is_internal_loc(part)]
        errors.append(FieldError(format_path(loc, prefix), _message(error)))
    return errors


def _is_internal_loc(part: int | str) -> bool:
    # Tagged unions and custom validators add loc parts that are not keys of the document.
    return isinstance(part, str) and (
        part.startswith("function-") or part in ("str", "dict[str,str]", "list", "dict", "[key]")
    )


def validate_model(model: type[M], data: Any, prefix: str = "") -> M:
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationFailed(field_errors(exc, prefix)) from None


def validate_as(adapter: TypeAdapter[T], data: Any, prefix: str = "") -> T:
    try:
        return adapter.validate_python(data)
    except PydanticValidationError as exc:
        raise ValidationFailed(field_errors(exc, prefix)) from None


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
