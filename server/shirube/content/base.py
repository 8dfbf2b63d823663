"""The base of every content model, and the cross-field rules shared by tours and checklists."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeGuard

from pydantic import ValidationInfo, model_validator

from shirube.errors import FieldError
from shirube.validation import Strict


def show(value: str, limit: int = 40) -> str:
    """Quote a user value for an error message without echoing a huge string back."""
    if len(value) > limit:
        value = value[:limit] + "…"
    return repr(value)


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


class ContentModel(Strict):
    """Base of every content model."""

    @model_validator(mode="before")
    @classmethod
    def _must_be_object(cls, data: Any) -> Any:
        # pydantic's own message names the Python class ("instance of Step"), which means
        # nothing to someone editing JSON.
        if not isinstance(data, dict | cls):
            raise ValueError("must be an object")
        return data


def depends_on(
    value: object,
    info: ValidationInfo,
    *,
    selector: str,
    required: Collection[str],
    allowed: Collection[str] = (),
) -> None:
    """Enforce a field that only makes sense for some values of `selector` (type/kind).

    `required`: the values that need the field; `allowed`: those that may have it anyway.
    When the selector itself is invalid it has its own error, so nothing is said here.
    """
    chosen = info.data.get(selector)
    if chosen is None:
        return
    if value is None and chosen in required:
        raise ValueError(f"is required when {selector} is {chosen!r}")
    if value is not None and chosen not in required and chosen not in allowed:
        options = " or ".join(repr(v) for v in (*required, *allowed))
        raise ValueError(f"is only allowed when {selector} is {options}")


def duplicate_errors(
    entries: Any, field: str, what: str, prefix: str, valid: Callable[[object], TypeGuard[str]]
) -> list[FieldError]:
    """Errors for repeated `field` values among the objects of a raw list, at `prefix[i].field`.

    Works on the raw input so duplicates are reported together with every other error,
    even when some entries are invalid in other ways; values failing `valid` have their
    own error and are skipped.
    """
    if not isinstance(entries, list):
        return []
    first_at: dict[str, int] = {}
    errors: list[FieldError] = []
    for index, entry in enumerate(entries):
        value = entry.get(field) if isinstance(entry, Mapping) else None
        if not valid(value):
            continue
        if value in first_at:
            errors.append(
                FieldError(
                    f"{prefix}[{index}].{field}",
                    f"duplicate {what} {value!r} (also {prefix}[{first_at[value]}].{field})",
                )
            )
        else:
            first_at[value] = index
    return errors
