"""Audience targeting: nested all/any groups of conditions on user and company traits.

Each node is compiled (see `matching`) as soon as it is validated; `audience_matches` only
calls the result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)

from shirube.content.base import ContentModel, show
from shirube.content.matching import (
    ConditionValue,
    Matcher,
    Number,
    Op,
    compile_condition,
    is_number,
    match_all,
    match_any,
    match_nothing,
)
from shirube.validation import validate_as

MAX_DEPTH = 3
MAX_CONDITIONS = 50
MAX_GROUP_ENTRIES = 50
MAX_IN_VALUES = 100
MAX_STRING_VALUE = 500
TRAIT_MAX = 64


class _Compiled:
    """Holds a node's matcher in a private attribute."""

    __slots__ = ("match",)

    def __init__(self, match: Matcher) -> None:
        self.match = match

    # pydantic compares private attributes in `==`; the matcher is a pure function of the
    # fields, which are already compared, so any two compiled matchers count as equal.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Compiled)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "<compiled audience>"


class Audience(ContentModel):
    """A group (`all` or `any`) or, nested inside a group, a condition."""

    all: list[Audience] | None = Field(default=None, max_length=MAX_GROUP_ENTRIES)
    any: list[Audience] | None = Field(default=None, max_length=MAX_GROUP_ENTRIES)
    attribute: str | None = Field(default=None, validate_default=True)
    op: Op | None = Field(default=None, validate_default=True)
    value: ConditionValue | None = Field(default=None, validate_default=True)

    _compiled: _Compiled = PrivateAttr()

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        group = [key for key in ("all", "any") if key in data]
        condition = [key for key in ("attribute", "op", "value") if key in data]
        if len(group) == 2:
            raise ValueError("use either 'all' or 'any', not both")
        if group and data[group[0]] is None:
            raise ValueError(f"{group[0]!r} must be a list")
        if group and condition:
            listed = ", ".join(repr(key) for key in condition)
            raise ValueError(f"a group ({group[0]!r}) cannot also have {listed}")
        if not data:
            raise ValueError(
                'expected a group ({"all": [...]} or {"any": [...]}) '
                'or a condition ({"attribute", "op", "value"})'
            )
        return data

    @field_validator("attribute")
    @classmethod
    def _attribute(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            if _is_condition(info):
                raise ValueError("is required")
            return None
        scope, dot, name = value.partition(".")
        if (
            scope not in ("user", "company")
            or not dot
            or not 1 <= len(name) <= TRAIT_MAX
            or not name.strip()
            or not name.isprintable()
        ):
            raise ValueError(
                f"{show(value)} is not an attribute: use 'user.<trait>' or 'company.<trait>' "
                f"with a trait name of 1–{TRAIT_MAX} characters"
            )
        return value

    @field_validator("op")
    @classmethod
    def _op(cls, value: Op | None, info: ValidationInfo) -> Op | None:
        if value is None and _is_condition(info):
            raise ValueError("is required")
        return value

    # "plain" replaces pydantic's union validation, whose per-branch errors would make
    # paths like `value.int`; the rules depend on the operator anyway.
    @field_validator("value", mode="plain")
    @classmethod
    def _value(cls, value: Any, info: ValidationInfo) -> ConditionValue | None:
        op = info.data.get("op")
        if op is None:
            # A group (the shape check refused a value there), or an invalid or missing
            # operator, which has its own error.
            return None
        return _check_value(op, value)

    def model_post_init(self, context: Any) -> None:
        # Children are validated (and so compiled) before their parent.
        self._compiled = _Compiled(_compile(self))

    @property
    def is_group(self) -> bool:
        return self.attribute is None


def _is_condition(info: ValidationInfo) -> bool:
    data = info.data
    return "all" in data and "any" in data and data["all"] is None and data["any"] is None


def _check_string(value: str) -> str:
    if len(value) > MAX_STRING_VALUE:
        raise ValueError(f"must be at most {MAX_STRING_VALUE} characters")
    return value


def _check_number(value: Number) -> Number:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _check_value(op: Op, value: Any) -> ConditionValue:
    if op == "exists":
        if value is None:
            return True
        if not isinstance(value, bool):
            raise ValueError("must be true or false for 'exists'")
        return value
    if value is None:
        raise ValueError(f"is required for {op!r}")
    if op in ("equals", "not_equals"):
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            return _check_string(value)
        if is_number(value):
            return _check_number(value)
        raise ValueError(f"must be a string, number or boolean for {op!r}")
    if op == "in":
        if not isinstance(value, list) or not value:
            raise ValueError("must be a non-empty list of strings or numbers for 'in'")
        if len(value) > MAX_IN_VALUES:
            raise ValueError(f"must have at most {MAX_IN_VALUES} entries")
        entries: list[str | int | float] = []
        for index, entry in enumerate(value):
            if isinstance(entry, str):
                entries.append(_check_string(entry))
            elif is_number(entry):
                entries.append(_check_number(entry))
            else:
                raise ValueError(f"entry [{index}] must be a string or a number")
        return entries
    if op == "contains":
        if not isinstance(value, str) or not value:
            raise ValueError("must be a non-empty string for 'contains'")
        return _check_string(value)
    # gt / lt
    if isinstance(value, str):
        return _check_string(value)
    if is_number(value):
        return _check_number(value)
    raise ValueError(f"must be a number or a string for {op!r}")


def _compile(node: Audience) -> Matcher:
    if node.all is not None:
        return match_all([child._compiled.match for child in node.all])
    if node.any is not None:
        return match_any([child._compiled.match for child in node.any])
    if node.attribute is None or node.op is None or node.value is None:
        # Only reachable through model_construct with an incomplete node.
        return match_nothing
    return compile_condition(node.attribute, node.op, node.value)


# --- the top-level field -------------------------------------------------------------------


def _too_deep(node: Any, level: int, path: str) -> str | None:
    if not isinstance(node, dict):
        return None
    for key in ("all", "any"):
        entries = node.get(key)
        if not isinstance(entries, list):
            continue
        if level > MAX_DEPTH:
            return path
        for index, entry in enumerate(entries):
            where = f"{path}.{key}[{index}]" if path else f"{key}[{index}]"
            found = _too_deep(entry, level + 1, where)
            if found is not None:
                return found
    return None


def _check_raw(data: Any) -> Any:
    # Runs before pydantic recurses into the tree, so a deeply nested document is refused
    # without being validated level by level.
    if not isinstance(data, dict):
        return data
    if "all" not in data and "any" not in data and data:
        raise ValueError('must be a group such as {"all": [conditions]} or {"any": [conditions]}')
    path = _too_deep(data, 1, "")
    if path is not None:
        raise ValueError(f"groups nest at most {MAX_DEPTH} levels deep; {path!r} is deeper")
    return data


def _check_size(audience: Audience | None) -> Audience | None:
    count = count_conditions(audience)
    if count > MAX_CONDITIONS:
        raise ValueError(f"has {count} conditions; at most {MAX_CONDITIONS} are allowed")
    return audience


AudienceField = Annotated[Audience | None, BeforeValidator(_check_raw), AfterValidator(_check_size)]
"""The type of an `audience` field: null (everyone) or a top-level group, with the limits."""

_AUDIENCE_ADAPTER: TypeAdapter[Audience | None] = TypeAdapter(AudienceField)


def validate_audience(data: Any, prefix: str = "audience") -> Audience | None:
    return validate_as(_AUDIENCE_ADAPTER, data, prefix)


def count_conditions(audience: Audience | None) -> int:
    if audience is None:
        return 0
    children = audience.all if audience.all is not None else audience.any
    if children is None:
        return 1
    return sum(count_conditions(child) for child in children)


def audience_matches(
    audience: Audience | None,
    user_traits: Mapping[str, Any],
    company_traits: Mapping[str, Any] | None,
) -> bool:
    """Whether a user (and their company, if any) is in the audience; None means everyone."""
    if audience is None:
        return True
    return audience._compiled.match(user_traits, company_traits)
