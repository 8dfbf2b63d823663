"""How audience conditions are evaluated, compiled once into closures.

Each condition becomes a function of (user traits, company traits) with its operator, its
expected value and its trait lookup already decided, so evaluating an audience (for every
piece of content on every widget start) does no parsing, no regex and no dispatch on the
operator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

Op = Literal["equals", "not_equals", "in", "contains", "exists", "gt", "lt"]
Number = int | float
ConditionValue = str | int | float | bool | list[str | int | float]

Traits = Mapping[str, Any]
Matcher = Callable[[Traits, Traits | None], bool]
ValueTest = Callable[[Any], bool]


def is_number(value: object) -> bool:
    # bool is an int subclass, but `true` is not the number 1 in a targeting rule.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equals_test(expected: ConditionValue) -> ValueTest:
    if isinstance(expected, bool):
        return lambda actual: actual is expected
    if isinstance(expected, str):
        return lambda actual: isinstance(actual, str) and actual == expected
    return lambda actual: is_number(actual) and actual == expected


def _in_test(expected: list[str | int | float]) -> ValueTest:
    strings = frozenset(entry for entry in expected if isinstance(entry, str))
    numbers = frozenset(entry for entry in expected if not isinstance(entry, str))

    def scalar(actual: Any) -> bool:
        if isinstance(actual, str):
            return actual in strings
        return is_number(actual) and actual in numbers

    def test(actual: Any) -> bool:
        # A list trait (e.g. departments) is in the set when any of its entries is.
        if isinstance(actual, list | tuple):
            return any(scalar(entry) for entry in actual)
        return scalar(actual)

    return test


def _contains_test(expected: str) -> ValueTest:
    def test(actual: Any) -> bool:
        if isinstance(actual, str):
            return expected in actual
        if isinstance(actual, list | tuple):
            return any(isinstance(entry, str) and entry == expected for entry in actual)
        return False

    return test


def _order_test(expected: str | Number, greater: bool) -> ValueTest:
    if isinstance(expected, str):
        if greater:
            return lambda actual: isinstance(actual, str) and actual > expected
        return lambda actual: isinstance(actual, str) and actual < expected
    if greater:
        return lambda actual: is_number(actual) and actual > expected
    return lambda actual: is_number(actual) and actual < expected


def _value_test(op: Op, value: ConditionValue) -> ValueTest:
    if op == "equals":
        return _equals_test(value)
    if op == "not_equals":
        equals = _equals_test(value)
        return lambda actual: not equals(actual)
    if op == "in":
        assert isinstance(value, list)
        return _in_test(value)
    if op == "contains":
        assert isinstance(value, str)
        return _contains_test(value)
    if op == "exists":
        present = bool(value)
        return lambda actual: present
    assert not isinstance(value, list | bool)
    return _order_test(value, greater=op == "gt")


def compile_condition(attribute: str, op: Op, value: ConditionValue) -> Matcher:
    scope, _, name = attribute.partition(".")
    test = _value_test(op, value)
    # An absent (or null) trait fails every test except "it is absent" and "it differs".
    if_missing = op == "not_equals" or (op == "exists" and value is False)

    if scope == "user":

        def match_user(user: Traits, company: Traits | None) -> bool:
            actual = user.get(name)
            return if_missing if actual is None else test(actual)

        return match_user

    def match_company(user: Traits, company: Traits | None) -> bool:
        actual = None if company is None else company.get(name)
        return if_missing if actual is None else test(actual)

    return match_company


def match_all(children: Sequence[Matcher]) -> Matcher:
    every = tuple(children)
    return lambda user, company: all(match(user, company) for match in every)


def match_any(children: Sequence[Matcher]) -> Matcher:
    some = tuple(children)
    return lambda user, company: any(match(user, company) for match in some)


def match_nothing(user: Traits, company: Traits | None) -> bool:
    return False
