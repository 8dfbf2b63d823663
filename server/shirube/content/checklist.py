"""Checklists: ordered items, each completed by a rule (content/rules: an event, a finished
tour or checklist, a page visit, active time, or by hand)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from shirube.content.audience import AudienceField
from shirube.content.base import ContentModel, depends_on, duplicate_errors
from shirube.content.primitives import Id, Key, Url, is_id, is_key
from shirube.content.references import checklist_refs, reference_errors
from shirube.content.rules import CompletionRule
from shirube.content.text import LocalizedText, TitleText
from shirube.errors import FieldError
from shirube.validation import validate_model

MAX_ITEMS = 30


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
    names: set[str] = set()
    for item in checklist.items:
        names |= item.completion.rule_type.counted_names(item.completion)
    return names


def checklist_errors(
    data: Any,
    tour_keys: Collection[str],
    prefix: str = "",
    checklist_keys: Collection[str] | None = None,
) -> list[FieldError]:
    """Rules pydantic cannot express (unique item ids, known tours and checklists), checked
    on the raw data."""
    if not isinstance(data, Mapping):
        return []
    dot = f"{prefix}." if prefix else ""
    errors = duplicate_errors(data.get("items"), "id", "item id", f"{dot}items", is_id)
    own = ("checklist", data["key"]) if is_key(data.get("key")) else None
    known = {"tour": tour_keys, "checklist": checklist_keys}
    return errors + reference_errors(checklist_refs(data), known, dot, own)


def validate_checklist(
    data: Any,
    tour_keys: Collection[str],
    prefix: str = "",
    checklist_keys: Collection[str] | None = None,
) -> ChecklistDoc:
    """Validate a checklist whose tour references must be among `tour_keys` (and checklist
    references among `checklist_keys`, unless None)."""
    extra = checklist_errors(data, tour_keys, prefix, checklist_keys)
    return validate_model(ChecklistDoc, data, prefix, extra)
