"""Query parameters: each route declares the ones it takes; any other name, a name given twice,
or a value of the wrong kind is refused with a 400 that names the parameter.

Refused rather than ignored for the same reason unknown keys in bodies are: a misspelt
`?publsh=false` would otherwise import and publish everything. The OpenAPI document
(api/openapi.py) describes these same objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
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


@dataclass(frozen=True)
class Day:
    """`?name=YYYY-MM-DD`, a calendar date; absent, None."""

    name: str
    description: str

    def read(self, request: Request) -> date | None:
        raw = request.query_params.get(self.name)
        if raw is None:
            return None
        # fromisoformat alone takes "20260301" and week dates too: the one spelling is asked.
        if not _DAY.fullmatch(raw):
            raise bad_parameter(self.name, "must be a date written YYYY-MM-DD")
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise bad_parameter(self.name, "must be a date written YYYY-MM-DD") from None

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


@dataclass(frozen=True)
class Text:
    """`?name=text` of 1 to `max_length` characters; absent, None."""

    name: str
    max_length: int
    description: str

    def read(self, request: Request) -> str | None:
        raw = request.query_params.get(self.name)
        if raw is not None and not 1 <= len(raw) <= self.max_length:
            raise bad_parameter(self.name, f"must be 1 to {self.max_length} characters")
        if raw is not None and "\x00" in raw:
            raise bad_parameter(self.name, "must not contain U+0000")
        return raw

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1, "maxLength": self.max_length}


@dataclass(frozen=True)
class Names:
    """`?name=a,b,c` (required): 1 to `max_items` names matching `pattern`."""

    name: str
    pattern: str
    max_items: int
    description: str
    required: bool = True

    def read(self, request: Request) -> list[str]:
        raw = request.query_params.get(self.name)
        if raw is None:
            raise bad_parameter(self.name, "is required")
        names = raw.split(",")
        if not 1 <= len(names) <= self.max_items:
            raise bad_parameter(self.name, f"must list 1 to {self.max_items} names")
        for one in names:
            if not re.fullmatch(f"(?:{self.pattern})", one):
                raise bad_parameter(self.name, f"{one[:100]!r} is not a valid name")
        return names

    def json_schema(self) -> dict[str, Any]:
        item = f"(?:{self.pattern})"
        return {"type": "string", "pattern": f"^{item}(,{item}){{0,{self.max_items - 1}}}$"}


@dataclass(frozen=True)
class Mapping:
    """`?name[key]=value&name[other]=value` (OpenAPI's deepObject style): up to `max_keys`
    keys of 1 to `max_key` characters, values of up to `max_value` characters."""

    name: str
    max_keys: int
    max_key: int
    max_value: int
    description: str

    def owns(self, query_name: str) -> bool:
        return query_name.startswith(self.name + "[") and query_name.endswith("]")

    def read(self, request: Request) -> dict[str, str]:
        found: dict[str, str] = {}
        for query_name, value in request.query_params.multi_items():
            if not self.owns(query_name):
                continue
            key = query_name[len(self.name) + 1 : -1]
            if not 1 <= len(key) <= self.max_key:
                raise bad_parameter(query_name, f"names 1 to {self.max_key} characters")
            if len(value) > self.max_value or "\x00" in value or "\x00" in key:
                raise bad_parameter(
                    query_name, f"must be up to {self.max_value} characters, without U+0000"
                )
            found[key] = value
        if len(found) > self.max_keys:
            raise bad_parameter(self.name, f"at most {self.max_keys} of them")
        return found

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "maxProperties": self.max_keys,
            "propertyNames": {"minLength": 1, "maxLength": self.max_key},
            "additionalProperties": {"type": "string", "maxLength": self.max_value},
        }


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

QueryParam = Flag | Count | Choice | Day | Text | Names | Mapping


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
    allowed = {param.name for param in declared if not isinstance(param, Mapping)}
    mappings = [param for param in declared if isinstance(param, Mapping)]
    seen: set[str] = set()
    for name, _ in QueryParams(query_string).multi_items():
        if name not in allowed and not any(mapping.owns(name) for mapping in mappings):
            raise bad_parameter(name, "unknown query parameter")
        if name in seen:
            raise bad_parameter(name, "is given more than once")
        seen.add(name)
