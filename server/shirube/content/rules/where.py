"""`where`: filters on an event's properties, `{"role": "manager", "seats": {"gte": 3}}`.

Every listed property must pass (AND). A plain value means equals; an object holds one
operator. A missing (or null) property fails every operator except `ne`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from shirube.content.base import show
from shirube.content.matching import is_number

MAX_PROPERTIES = 10
MAX_IN_VALUES = 100
MAX_STRING = 500
PROPERTY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
OPERATORS = ("eq", "ne", "in", "gt", "gte", "lt", "lte")

Scalar = str | int | float | bool
Test = Callable[[Any], bool]
Filter = Callable[[Mapping[str, Any] | None], bool]


def _scalar(value: Any, where: str) -> Scalar:
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise ValueError(f"{where}: strings are at most {MAX_STRING} characters")
        return value
    if isinstance(value, bool) or is_number(value):
        return value  # type: ignore[no-any-return]
    raise ValueError(f"{where}: must be a string, a number or true/false")


def _same(expected: Scalar) -> Test:
    if isinstance(expected, bool):
        return lambda actual: actual is expected
    if isinstance(expected, str):
        return lambda actual: isinstance(actual, str) and actual == expected
    return lambda actual: is_number(actual) and actual == expected


def _ordered(op: str, expected: Scalar) -> Test:
    if isinstance(expected, bool):
        raise ValueError(f"{op!r} compares numbers or strings, not true/false")
    kind: type | tuple[type, ...] = str if isinstance(expected, str) else (int, float)
    bound: Any = expected

    def test(actual: Any) -> bool:
        if isinstance(actual, bool) or not isinstance(actual, kind):
            return False
        if op == "gt":
            return bool(actual > bound)
        if op == "gte":
            return bool(actual >= bound)
        if op == "lt":
            return bool(actual < bound)
        return bool(actual <= bound)

    return test


def _test(prop: str, spec: Any) -> tuple[Test, bool]:
    """The test of one property, and whether a missing property passes it."""
    if not isinstance(spec, dict):
        return _same(_scalar(spec, prop)), False
    if len(spec) != 1:
        raise ValueError(f"{prop}: one operator per property, one of {', '.join(OPERATORS)}")
    ((op, value),) = spec.items()
    if op not in OPERATORS:
        raise ValueError(f"{prop}: unknown operator {show(str(op))}; use {', '.join(OPERATORS)}")
    if op == "in":
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_IN_VALUES:
            raise ValueError(f"{prop}: 'in' takes a list of 1–{MAX_IN_VALUES} values")
        tests = [_same(_scalar(entry, prop)) for entry in value]
        return (lambda actual: any(test(actual) for test in tests)), False
    expected = _scalar(value, prop)
    if op == "eq":
        return _same(expected), False
    if op == "ne":
        same = _same(expected)
        return (lambda actual: not same(actual)), True
    return _ordered(op, expected), False


def compile_where(where: Mapping[str, Any]) -> Filter:
    """Check `where` (ValueError naming the property) and compile it into a filter."""
    if not where or len(where) > MAX_PROPERTIES:
        raise ValueError(f"must list 1–{MAX_PROPERTIES} properties")
    checks: list[tuple[str, Test, bool]] = []
    for prop, spec in where.items():
        if not PROPERTY_RE.fullmatch(prop):
            raise ValueError(f"{show(prop)} is not a property name")
        test, if_missing = _test(prop, spec)
        checks.append((prop, test, if_missing))

    def matches(properties: Mapping[str, Any] | None) -> bool:
        for prop, test, if_missing in checks:
            actual = None if properties is None else properties.get(prop)
            if not (if_missing if actual is None else test(actual)):
                return False
        return True

    return matches
