"""The content layer: tour and checklist formats, audience targeting and localization (no I/O).

docs/content-format.md is the reference for the JSON formats validated here.
"""

from __future__ import annotations

from shirube.content.audience import (
    Audience,
    AudienceField,
    audience_matches,
    count_conditions,
    validate_audience,
)
from shirube.content.checklist import (
    ChecklistDoc,
    ChecklistItem,
    ItemAction,
    Survey,
    counted_event_names,
    tour_references,
    validate_checklist,
)
from shirube.content.document import FORMAT, ContentDocument, validate_document
from shirube.content.localize import localize_checklist, localize_tour, resolve_text
from shirube.content.rules import CompletionRule
from shirube.content.text import LocalizedText, Text, TextLimit, TitleText
from shirube.content.tour import Advance, Cta, Step, TourDoc, Trigger, validate_tour

__all__ = [
    "FORMAT",
    "Advance",
    "Audience",
    "AudienceField",
    "ChecklistDoc",
    "ChecklistItem",
    "CompletionRule",
    "ContentDocument",
    "Cta",
    "ItemAction",
    "LocalizedText",
    "Step",
    "Survey",
    "Text",
    "TextLimit",
    "TitleText",
    "TourDoc",
    "Trigger",
    "audience_matches",
    "count_conditions",
    "counted_event_names",
    "localize_checklist",
    "localize_tour",
    "resolve_text",
    "tour_references",
    "validate_audience",
    "validate_checklist",
    "validate_document",
    "validate_tour",
]
