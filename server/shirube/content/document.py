"""The content document: a workspace's tours and checklists in one JSON file (content as code)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Literal

from pydantic import Field

from shirube.content.base import ContentModel, duplicate_errors
from shirube.content.checklist import ChecklistDoc, checklist_errors
from shirube.content.primitives import is_key
from shirube.content.tour import TourDoc, tour_errors
from shirube.errors import FieldError, ValidationFailed
from shirube.validation import validate_model

FORMAT = "shirube.content/1"


class ContentDocument(ContentModel):
    """Validate input with `validate_document`, which also checks keys and references."""

    format: Literal["shirube.content/1"]
    tours: list[TourDoc] = Field(default_factory=list)
    checklists: list[ChecklistDoc] = Field(default_factory=list)


def _raw_list(data: Mapping[str, Any], field: str) -> list[Any]:
    value = data.get(field)
    return value if isinstance(value, list) else []


def document_errors(
    data: Any, existing_tour_keys: Collection[str] = (), prefix: str = ""
) -> list[FieldError]:
    """Rules pydantic cannot express, checked on the raw document."""
    if not isinstance(data, Mapping):
        return []
    dot = f"{prefix}." if prefix else ""
    tours = _raw_list(data, "tours")
    checklists = _raw_list(data, "checklists")
    errors = duplicate_errors(tours, "key", "tour key", f"{dot}tours", is_key)
    errors += duplicate_errors(checklists, "key", "checklist key", f"{dot}checklists", is_key)
    for index, tour in enumerate(tours):
        errors += tour_errors(tour, f"{dot}tours[{index}]")
    # A tour that is in the document counts even if it has errors of its own: its problems
    # are reported where they are, not again at every checklist pointing to it.
    known = set(existing_tour_keys)
    known.update(
        tour["key"] for tour in tours if isinstance(tour, Mapping) and is_key(tour.get("key"))
    )
    for index, checklist in enumerate(checklists):
        errors += checklist_errors(checklist, known, f"{dot}checklists[{index}]")
    return errors


def validate_document(
    data: Any, existing_tour_keys: Collection[str] = (), prefix: str = ""
) -> ContentDocument:
    """Validate a whole document; checklists may refer to its tours or to `existing_tour_keys`."""
    extra = document_errors(data, existing_tour_keys, prefix)
    try:
        document = validate_model(ContentDocument, data, prefix)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.fields + extra) from None
    if extra:
        raise ValidationFailed(extra)
    return document
