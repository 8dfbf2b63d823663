"""The content document: a workspace's tours, checklists, goals and help centres in one JSON file
(content as code)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Literal

from pydantic import Field

from shirube.content.base import ContentModel, duplicate_errors
from shirube.content.checklist import ChecklistDoc, checklist_errors
from shirube.content.goal import GoalDoc, goal_errors
from shirube.content.primitives import is_key
from shirube.content.resource_center import ResourceCenterDoc, resource_center_errors
from shirube.content.tour import TourDoc, tour_errors
from shirube.errors import FieldError
from shirube.validation import validate_model

FORMAT = "shirube.content/1"


class ContentDocument(ContentModel):
    """Validate input with `validate_document`, which also checks keys and references."""

    format: Literal["shirube.content/1"]
    tours: list[TourDoc] = Field(default_factory=list)
    checklists: list[ChecklistDoc] = Field(default_factory=list)
    goals: list[GoalDoc] = Field(default_factory=list)
    resource_centers: list[ResourceCenterDoc] = Field(default_factory=list)


def _raw_list(data: Mapping[str, Any], field: str) -> list[Any]:
    value = data.get(field)
    return value if isinstance(value, list) else []


def _keys(entries: list[Any]) -> set[str]:
    return {e["key"] for e in entries if isinstance(e, Mapping) and is_key(e.get("key"))}


def document_errors(
    data: Any,
    existing_tour_keys: Collection[str] = (),
    prefix: str = "",
    existing_checklist_keys: Collection[str] = (),
) -> list[FieldError]:
    """Rules pydantic cannot express, checked on the raw document."""
    if not isinstance(data, Mapping):
        return []
    dot = f"{prefix}." if prefix else ""
    tours = _raw_list(data, "tours")
    checklists = _raw_list(data, "checklists")
    goals = _raw_list(data, "goals")
    centers = _raw_list(data, "resource_centers")
    errors = duplicate_errors(tours, "key", "tour key", f"{dot}tours", is_key)
    errors += duplicate_errors(checklists, "key", "checklist key", f"{dot}checklists", is_key)
    errors += duplicate_errors(goals, "key", "goal key", f"{dot}goals", is_key)
    errors += duplicate_errors(
        centers, "key", "resource_center key", f"{dot}resource_centers", is_key
    )
    for index, tour in enumerate(tours):
        errors += tour_errors(tour, f"{dot}tours[{index}]")
    # A tour that is in the document counts even if it has errors of its own: its problems
    # are reported where they are, not again at every checklist pointing to it.
    known = set(existing_tour_keys) | _keys(tours)
    known_checklists = set(existing_checklist_keys) | _keys(checklists)
    for index, checklist in enumerate(checklists):
        errors += checklist_errors(checklist, known, f"{dot}checklists[{index}]", known_checklists)
    for index, goal in enumerate(goals):
        errors += goal_errors(goal, known, known_checklists, f"{dot}goals[{index}]")
    for index, center in enumerate(centers):
        where = f"{dot}resource_centers[{index}]"
        errors += resource_center_errors(center, known, known_checklists, where)
    return errors


def validate_document(
    data: Any,
    existing_tour_keys: Collection[str] = (),
    prefix: str = "",
    existing_checklist_keys: Collection[str] = (),
) -> ContentDocument:
    """Validate a whole document; checklists and goals may refer to its tours and checklists
    or to existing ones."""
    extra = document_errors(data, existing_tour_keys, prefix, existing_checklist_keys)
    return validate_model(ContentDocument, data, prefix, extra)
