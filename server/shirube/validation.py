"""Validate data with pydantic, reporting errors by path.

Paths read like JavaScript accessors: `steps[2].target`, `events[0].timestamp`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from shirube.errors import FieldError, ValidationFailed

T = TypeVar("T")

# Keys that read unambiguously after a dot; any other key is written as ["key"].
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_$-]+$")

# Largest integer every supported engine stores in an INTEGER column.
MAX_DB_INT = 2**31 - 1
M = TypeVar("M", bound=BaseModel)


def positive_db_int(raw: str | None) -> int | None:
    """`raw` as a positive integer an INTEGER column holds (an id, a version, a cursor), else
    None. Digits only: int() would also take a sign, spaces and underscores."""
    if raw is None or not (raw.isascii() and raw.isdigit() and len(raw) <= 10):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_DB_INT else None


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


def field_errors(
    exc: PydanticValidationError, prefix: str = "", data: Any = None
) -> list[FieldError]:
    """`exc`'s errors by path; with the `data` validated, a tagged union's tag is left out
    of the path (`company.percent`, not `company.share.percent`)."""
    errors: list[FieldError] = []
    for error in exc.errors(include_url=False):
        loc = _document_loc(error["loc"], data)
        errors.append(FieldError(format_path(loc, prefix), _message(error)))
    return errors


def _document_loc(loc: Sequence[int | str], data: Any) -> list[int | str]:
    """The parts of `loc` that are keys and indexes of `data`, walking it along."""
    found: list[int | str] = []
    node = data
    last = len(loc) - 1
    for index, part in enumerate(loc):
        if _is_internal_loc(part):
            continue
        if isinstance(node, Mapping):
            # The tag of a tagged union is the value of its discriminator field, and an error
            # inside the union follows it. A last part is the field the error is about, even
            # when it equals a value (a missing `event` of `{"type": "event"}`).
            if index < last and part not in node and part in node.values():
                continue
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
        found.append(part)
    return found


def _is_internal_loc(part: int | str) -> bool:
    # Tagged unions and custom validators add loc parts that are not keys of the document.
    return isinstance(part, str) and (
        part.startswith("function-") or part in ("str", "dict[str,str]", "list", "dict", "[key]")
    )


def validate_model(
    model: type[M], data: Any, prefix: str = "", extra: Sequence[FieldError] = ()
) -> M:
    """`data` as `model`; `extra`: errors of rules the model cannot express, reported with the
    model's own (every problem at once)."""
    try:
        value = model.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationFailed(field_errors(exc, prefix, data) + list(extra)) from None
    if extra:
        raise ValidationFailed(list(extra))
    return value


def validate_as(adapter: TypeAdapter[T], data: Any, prefix: str = "") -> T:
    try:
        return adapter.validate_python(data)
    except PydanticValidationError as exc:
        raise ValidationFailed(field_errors(exc, prefix, data)) from None
