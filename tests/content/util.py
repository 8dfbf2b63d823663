"""Helpers shared by the content tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from shirube.errors import ValidationFailed

_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])*")
# Names pydantic puts in `loc` for union branches and validator functions.
_INTERNAL = {"str", "dict", "int", "float", "bool", "list", "tuple", "none"}


def errors_of(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
    """The (path, message) pairs a validation raises; also checks every path is clean."""
    with pytest.raises(ValidationFailed) as caught:
        fn(*args, **kwargs)
    fields = [(field.path, field.message) for field in caught.value.fields]
    assert fields, "ValidationFailed without field errors"
    for path, _ in fields:
        if path:
            assert _PATH.fullmatch(path), f"malformed path {path!r}"
        parts = set(re.split(r"[.\[\]]", path))
        assert not parts & _INTERNAL, f"internal part in {path!r}"
        assert not any(part.startswith("function") for part in parts), path
    return fields


def paths_of(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> list[str]:
    return [path for path, _ in errors_of(fn, *args, **kwargs)]


def only_error(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[str, str]:
    errors = errors_of(fn, *args, **kwargs)
    assert len(errors) == 1, errors
    return errors[0]
