"""Checklists: ordered items, each done by an event, a finished tour, a page visit or by hand."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from shirube.content.audience import AudienceField
from shirube.content.base import ContentModel, depends_on, duplicate_errors
from shirube.content.primitives import (
    EventName,
    Id,
    Key,
    PagePattern,
    StrictCount,
    Url,
    is_id,
    is_key,
)
from shirube.content.text import LocalizedText, TitleText
from shirube.errors import FieldError, ValidationFailed
from shirube.validation import validate_model

MAX_ITEMS = 30
MAX_MIN_COUNT = 10_000


class ItemAction(ContentModel):
    """What clicking the item does: start a tour or open a link."""

    type: Literal["tour", "url"]
    tour: Key | None = Field(default=None, validate_default=True)
    url: Url | None = Field(default=None, validate_default=True)

    @field_validator("tour")
    @classmethod
    def _tour(cls, value: str | None, info: ValidationInfo) -> str | None:
        depends_on(value, info, selector="type", required=("tour",))
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None, info: ValidationInfo) -> str | None:
        depends_on(value, info, selector="type", required=("url",))
        return value


class CompletionRule(ContentModel):
    """The rule that ticks the item off."""

    type: Literal["event", "tour_completed", "page_visited", "manual"]
    event: EventName | None = Field(default=None, validate_default=True)
    min_count: Annotated[StrictCount, Field(ge=1, le=MAX_MIN_COUNT)] | None = Field(
        default=None, validate_default=True
    )
    tour: Key | None = Field(default=None, validate_default=True)
    page: PagePattern | None = Field(default=None, validate_default=True)

    @field_validator("event")
    @classmethod
    def _event(cls, value: str | None, info: ValidationInfo) -> str | None:
        depends_on(value, info, selector="type", required=("event",))
        return value

    @field_validator("min_count")
    @classmethod
    def _min_count(cls, value: int | None, info: ValidationInfo) -> int | None:
        # Filled in for event rules so the stored JSON and the widget never rely on a default.
        if value is None and info.data.get("type") == "event":
            return 1
        depends_on(value, info, selector="type", required=(), allowed=("event",))
        return value

    @field_validator("tour")
    @classmethod
    def _tour(cls, value: str | None, info: ValidationInfo) -> str | None:
        depends_on(value, info, selector="type", required=("tour_completed",))
        return value

    @field_validator("page")
    @classmethod
    def _page(cls, value: str | None, info: ValidationInfo) -> str | None:
        depends_on(value, info, selector="type", required=("page_visited",))
        return value


class ChecklistItem(ContentModel):
    id: Id
    title: TitleText
    description: LocalizedText | None = None
    action: ItemAction | None = None
    completion: CompletionRule
    success_message: LocalizedText | None = None


class Survey(ContentModel):
    """The short question asked once the checklist is complete."""

    question: TitleText
    comment_label: TitleText | None = None


class ChecklistDoc(ContentModel):
    """A checklist. Validate input with `validate_checklist`, which also checks unique item ids
    and that referenced tours exist."""

    key: Key
    title: TitleText
    description: LocalizedText | None = None
    audience: AudienceField = None
    items: list[ChecklistItem] = Field(min_length=1, max_length=MAX_ITEMS)
    completion_message: LocalizedText | None = None
    survey: Survey | None = None


def tour_references(checklist: ChecklistDoc) -> set[str]:
    """The keys of the tours a checklist starts or waits for."""
    keys: set[str] = set()
    for item in checklist.items:
        if item.action is not None and item.action.tour is not None:
            keys.add(item.action.tour)
        if item.completion.tour is not None:
            keys.add(item.completion.tour)
    return keys


def counted_event_names(checklist: ChecklistDoc) -> set[str]:
    """The event names whose events the checklist's rules count (services/counted_events.py
    keeps those events by user)."""
    return {
        item.completion.event
        for item in checklist.items
        if item.completion.type == "event" and item.completion.event is not None
    }


def _raw_tour_refs(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(relative path, key) of each well-formed tour reference in a raw checklist."""
    refs: list[tuple[str, str]] = []
    items = data.get("items")
    if not isinstance(items, list):
        return refs
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        for field, kind in (("action", "tour"), ("completion", "tour_completed")):
            rule = item.get(field)
            if isinstance(rule, Mapping) and rule.get("type") == kind:
                key = rule.get("tour")
                if is_key(key):
                    refs.append((f"items[{index}].{field}.tour", key))
    return refs


def checklist_errors(data: Any, tour_keys: Collection[str], prefix: str = "") -> list[FieldError]:
    """Rules pydantic cannot express (unique item ids, known tours), checked on the raw data."""
    if not isinstance(data, Mapping):
        return []
    dot = f"{prefix}." if prefix else ""
    errors = duplicate_errors(data.get("items"), "id", "item id", f"{dot}items", is_id)
    for path, key in _raw_tour_refs(data):
        if key not in tour_keys:
            errors.append(FieldError(f"{dot}{path}", f"unknown tour {key!r}"))
    return errors


def validate_checklist(data: Any, tour_keys: Collection[str], prefix: str = "") -> ChecklistDoc:
    """Validate a checklist whose tour references must be among `tour_keys`."""
    extra = checklist_errors(data, tour_keys, prefix)
    try:
        checklist = validate_model(ChecklistDoc, data, prefix)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.fields + extra) from None
    if extra:
        raise ValidationFailed(extra)
    return checklist
