"""What an event looks like on the wire, and the reserved `$…` events the widget sends.

Reserved events drive progress, so their properties are checked as strictly as content is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, ValidationError

from shirube.errors import FieldError, ValidationFailed
from shirube.jsonresponse import dumps
from shirube.validation import MAX_DB_INT, Strict, field_errors

EventId = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:\-]+$")
]
EventName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9$][A-Za-z0-9_.:$ \-]*$"),
]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=255)]
ContentKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")]
ItemId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")]

MAX_BATCH = 1000
MAX_PROPERTIES_BYTES = 32 * 1024
# A client clock running ahead must not make an event look like it happened in the future.
FUTURE_TOLERANCE = timedelta(minutes=5)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must include a time zone, e.g. 2026-01-31T09:00:00Z")
    return value.astimezone(UTC)


Timestamp = Annotated[datetime, AfterValidator(_aware)]


class WidgetEventIn(Strict):
    id: EventId
    name: EventName
    properties: dict[str, Any] = Field(default_factory=dict, max_length=100)
    timestamp: Timestamp | None = None


class ServerEventIn(WidgetEventIn):
    user_id: ExternalId
    company_id: ExternalId | None = None


class ServerEventBatch(Strict):
    events: list[ServerEventIn] = Field(min_length=1, max_length=MAX_BATCH)


class WidgetEventBatch(Strict):
    token: str = Field(min_length=1, max_length=4096)
    events: list[WidgetEventIn] = Field(min_length=1, max_length=MAX_BATCH)


# Reserved events ------------------------------------------------------------------------


class TourEventProps(Strict):
    tour: ContentKey
    version: int | None = Field(default=None, ge=1, le=MAX_DB_INT)
    step: ItemId | None = None


class StepSeenProps(TourEventProps):
    step: ItemId


class TargetMissingProps(StepSeenProps):
    selector: str | None = Field(default=None, max_length=500)


class ChecklistItemProps(Strict):
    checklist: ContentKey
    item: ItemId


class SurveyProps(Strict):
    checklist: ContentKey
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


class PageViewProps(Strict):
    url: str = Field(min_length=1, max_length=2000)
    title: str | None = Field(default=None, max_length=500)


RESERVED_EVENTS: dict[str, type[Strict]] = {
    "$tour_started": TourEventProps,
    "$tour_step_seen": StepSeenProps,
    "$tour_completed": TourEventProps,
    "$tour_dismissed": TourEventProps,
    "$target_missing": TargetMissingProps,
    "$checklist_item_completed": ChecklistItemProps,
    "$survey_answered": SurveyProps,
    "$page_viewed": PageViewProps,
}


def check_events(events: Sequence[WidgetEventIn]) -> None:
    """Checks pydantic cannot express: property size, and reserved events' properties.
    Raises one error listing every bad path."""
    problems: list[FieldError] = []
    for index, event in enumerate(events):
        if event.properties and len(dumps(event.properties)) > MAX_PROPERTIES_BYTES:
            problems.append(
                FieldError(
                    f"events[{index}].properties",
                    f"must encode to at most {MAX_PROPERTIES_BYTES} bytes of JSON",
                )
            )
        if not event.name.startswith("$"):
            continue
        model = RESERVED_EVENTS.get(event.name)
        if model is None:
            problems.append(
                FieldError(
                    f"events[{index}].name",
                    f"names starting with $ are reserved; known: {', '.join(RESERVED_EVENTS)}",
                )
            )
            continue
        try:
            model.model_validate(event.properties)
        except ValidationError as exc:
            problems.extend(field_errors(exc, f"events[{index}].properties"))
    if problems:
        raise ValidationFailed(problems)


# Identify payloads ----------------------------------------------------------------------

TraitScalar = str | int | float | bool | None
TraitName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
TraitValue = (
    Annotated[str, StringConstraints(max_length=1000)]
    | int
    | float
    | bool
    | None
    | Annotated[
        list[Annotated[str, StringConstraints(max_length=1000)] | int | float | bool],
        Field(max_length=100),
    ]
)
Traits = Annotated[dict[TraitName, TraitValue], Field(max_length=100)]
Locale = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")]


class CompanyIn(Strict):
    id: ExternalId
    traits: Traits | None = None
