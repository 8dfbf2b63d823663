"""The completion rule as JSON: `{"type": ..., <the fields its type declares>}`, validated
field by field against the rule types of `registry` (a field a type does not declare is an
error at that field's path)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator

from shirube.content.base import ContentModel, depends_on
from shirube.content.pages import PageMatcher
from shirube.content.primitives import EventName, Key, PagePattern, StrictCount
from shirube.content.rules.base import RuleType
from shirube.content.rules.registry import RULE_TYPES, allowing, requiring
from shirube.content.rules.where import Filter, compile_where

MAX_MIN_COUNT = 10_000
MAX_WITHIN_DAYS = 3_650
MAX_MINUTES = 100_000


def _all(properties: Any) -> bool:
    return True


class _Compiled:
    """The rule's compiled filter and page pattern, in a private attribute. pydantic compares
    private attributes in `==`; these are pure functions of the fields, already compared."""

    __slots__ = ("page", "where")

    def __init__(self, where: Filter = _all, page: PageMatcher | None = None) -> None:
        self.where = where
        self.page = page

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Compiled)

    def __hash__(self) -> int:
        return 0


def _declared(value: object, info: ValidationInfo) -> None:
    assert info.field_name is not None
    depends_on(
        value,
        info,
        selector="type",
        required=requiring(info.field_name),
        allowed=allowing(info.field_name),
    )


class CompletionRule(ContentModel):
    """What completes a checklist item or a goal's rule."""

    type: str
    event: EventName | None = Field(default=None, validate_default=True)
    where: dict[str, Any] | None = Field(default=None, validate_default=True)
    min_count: Annotated[StrictCount, Field(ge=1, le=MAX_MIN_COUNT)] | None = Field(
        default=None, validate_default=True
    )
    within_days: Annotated[StrictCount, Field(ge=1, le=MAX_WITHIN_DAYS)] | None = Field(
        default=None, validate_default=True
    )
    tour: Key | None = Field(default=None, validate_default=True)
    checklist: Key | None = Field(default=None, validate_default=True)
    page: PagePattern | None = Field(default=None, validate_default=True)
    minutes: Annotated[StrictCount, Field(ge=1, le=MAX_MINUTES)] | None = Field(
        default=None, validate_default=True
    )

    _compiled: _Compiled = PrivateAttr(default_factory=_Compiled)

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in RULE_TYPES:
            *others, last = (repr(name) for name in RULE_TYPES)
            raise ValueError(f"Input should be {', '.join(others)} or {last}")
        return value

    @field_validator("event", "tour", "checklist", "page", "minutes", "within_days")
    @classmethod
    def _declared_field(cls, value: Any, info: ValidationInfo) -> Any:
        _declared(value, info)
        return value

    @field_validator("where")
    @classmethod
    def _where_filter(cls, value: dict[str, Any] | None, info: ValidationInfo) -> Any:
        _declared(value, info)
        if value is not None:
            compile_where(value)  # raises naming the property
        return value

    @field_validator("min_count")
    @classmethod
    def _min_count(cls, value: int | None, info: ValidationInfo) -> int | None:
        # Filled in for event rules so the stored JSON and the widget never rely on a default.
        if value is None and info.data.get("type") == "event":
            return 1
        _declared(value, info)
        return value

    def model_post_init(self, context: Any) -> None:
        self._compiled = _Compiled(
            _all if self.where is None else compile_where(self.where),
            None if self.page is None else PageMatcher(self.page),
        )

    @property
    def rule_type(self) -> RuleType:
        return RULE_TYPES[self.type]

    def matches(self, properties: Any) -> bool:
        """Whether an event's properties pass `where` (always, without one)."""
        return self._compiled.where(properties)

    @property
    def page_matcher(self) -> PageMatcher:
        assert self._compiled.page is not None
        return self._compiled.page
