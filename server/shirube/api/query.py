"""Query parameters: each route declares the ones it takes; any other name, a name given twice,
or a value of the wrong kind is refused with a 400 that names the parameter.

Refused rather than ignored for the same reason unknown keys in bodies are: a misspelt
`?publsh=false` would otherwise import and publish everything. The OpenAPI document
(api/openapi.py) describes these same objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request

from shirube.api.errors import ApiError
from shirube.errors import FieldError


@dataclass(frozen=True)
class Flag:
    """`?name=true` or `?name=false` (any case); absent, `default`."""

    name: str
    default: bool
    description: str

    def read(self, request: Request) -> bool:
        raw = request.query_params.get(self.name)
        if raw is None:
            return self.default
        value = raw.lower()
        if value not in ("true", "false"):
            raise bad_parameter(self.name, "must be true or false")
        return value == "true"

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean", "default": self.default}


@dataclass(frozen=True)
class Count:
    """`?name=N`, a whole number from `minimum` to `maximum`; absent, `default`."""

    name: str
    default: int
    minimum: int
    maximum: int
    description: str

    def read(self, request: Request) -> int:
        raw = request.query_params.get(self.name)
        if raw is None:
            return self.default
        # isascii(): isdigit() alone takes "²", which int() refuses. The length bounds int()'s
        # work before the range is checked.
        if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(self.maximum))):
            raise self._out_of_range()
        value = int(raw)
        if not self.minimum <= value <= self.maximum:
            raise self._out_of_range()
        return value

    def _out_of_range(self) -> ApiError:
        return bad_parameter(self.name, f"must be between {self.minimum} and {self.maximum}")

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "integer",
            "minimum": self.minimum,
            "maximum": self.maximum,
            "default": self.default,
        }


@dataclass(frozen=True)
class Choice:
    """`?name=one-of-choices`; absent, None."""

    name: str
    choices: tuple[str, ...]
    description: str

    def read(self, request: Request) -> str | None:
        raw = request.query_params.get(self.name)
        if raw is not None and raw not in self.choices:
            raise bad_parameter(self.name, f"must be one of {', '.join(self.choices)}")
        return raw

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.choices)}


QueryParam = Flag | Count | Choice


def bad_parameter(name: str, message: str) -> ApiError:
    return ApiError(
        400,
        "bad_request",
        f"query parameter {name}: {message}",
        [FieldError(name, message)],
    )


def check_query(query_string: bytes, declared: tuple[QueryParam, ...]) -> None:
    """Refuse names not declared, and names given twice (which of the two would count?).
    The names are read as Starlette reads them for `request.query_params`."""
    if not query_string:
        return
    allowed = {param.name for param in declared}
    seen: set[str] = set()
    for name, _ in QueryParams(query_string).multi_items():
        if name not in allowed:
            raise bad_parameter(name, "unknown query parameter")
        if name in seen:
            raise bad_parameter(name, "is given more than once")
        seen.add(name)
