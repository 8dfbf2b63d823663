"""What an event looks like on the wire, and the reserved `$…` events the widget sends.

Reserved events drive progress, so their properties are checked as strictly as content is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetPydanticSchema,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import core_schema

from shirube.content.target import MAX_FALLBACKS, SELECTOR_MAX, Tried
from shirube.errors import FieldError, ValidationFailed
from shirube.identifiers import EVENT_ID, EVENT_NAME, ID, KEY, LOCALE, MAX_LOCALE, anchored
from shirube.jsontext import dumps
from shirube.validation import MAX_DB_INT, Strict, field_errors

# The limits of traits and ids.
MAX_TRAITS = 100
MAX_TRAIT_NAME = 64
MAX_TRAIT_TEXT = 1000
MAX_TRAIT_LIST = 100
MAX_EXTERNAL_ID = 255
EventId = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=anchored(EVENT_ID))
]
EventName = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=anchored(EVENT_NAME))
]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_EXTERNAL_ID)]
ContentKey = Annotated[str, StringConstraints(pattern=anchored(KEY))]
ItemId = Annotated[str, StringConstraints(pattern=anchored(ID))]

MAX_BATCH = 1000
MAX_PROPERTIES_BYTES = 32 * 1024
MAX_PROPERTIES_DEPTH = 32


_SCALARS = frozenset((str, int, float, bool, type(None)))


def nesting_depth(value: Any) -> int:
    """Depth of nested objects/lists, without recursion (bodies may nest 1,000 levels)."""
    if type(value) is dict and _SCALARS.issuperset(map(type, value.values())):
        return 1  # the common case, decided without building the stack
    deepest, stack = 0, [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_PROPERTIES_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


# A client clock running ahead must not make an event look like it happened in the future.
FUTURE_TOLERANCE = timedelta(minutes=5)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must include a time zone, e.g. 2026-01-31T09:00:00Z")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("timestamp is out of range") from None


def _not_numeric_text(value: Any) -> Any:
    """Seconds since the epoch come as a JSON number; pydantic alone would also read the text
    "1700000000" as seconds, which neither docs/api.md nor the OpenAPI document says."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return value
        raise ValueError(
            "timestamp text must be ISO 8601 with a time zone, e.g. 2026-01-31T09:00:00Z; "
            "send seconds since the epoch as a number"
        )
    return value


# ISO 8601 text with a time zone, or seconds since the epoch (milliseconds past 2e10).
Timestamp = Annotated[
    datetime,
    BeforeValidator(_not_numeric_text),
    AfterValidator(_aware),
    WithJsonSchema({"anyOf": [{"type": "string", "format": "date-time"}, {"type": "number"}]}),
]


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


class StepProps(TourEventProps):
    step: ItemId


class StepSeenProps(StepProps):
    # The user moved on to the step, which waits for its page: it is the current step (a
    # reload does not bring back the one left), not yet shown (funnels don't count it).
    parked: bool | None = Field(default=None, strict=True)


class TriedStrategy(Strict):
    """How one way of finding a robust target did (content/target.py): `found` visible
    elements matched it (exactly one would have been taken)."""

    by: Tried
    found: int = Field(strict=True, ge=0, le=MAX_DB_INT)


class TargetMissingProps(StepProps):
    selector: str | None = Field(default=None, max_length=SELECTOR_MAX)
    # The robust form's primary, each fallback and the text, in the order tried.
    tried: list[TriedStrategy] | None = Field(default=None, max_length=MAX_FALLBACKS + 2)
    # The page it happened on (the broken-target report lists them).
    url: str | None = Field(default=None, max_length=2000)


class ChecklistItemProps(Strict):
    checklist: ContentKey
    item: ItemId


class SurveyProps(Strict):
    checklist: ContentKey
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


class HelpProps(Strict):
    """The widget's help centre (content/resource_center.py): which one was opened."""

    center: ContentKey


class HelpArticleProps(HelpProps):
    article: ItemId


class HelpSearchProps(HelpProps):
    # What users look for, and whether the help centre had it: the content gaps to fill.
    query: str = Field(min_length=1, max_length=200)
    matched: bool = Field(strict=True)
    results: int = Field(default=0, strict=True, ge=0, le=10_000)


class PageViewProps(Strict):
    url: str = Field(min_length=1, max_length=2000)
    title: str | None = Field(default=None, max_length=500)


# A heartbeat's active seconds (services/active_time.py): the widget sends about 60 at a time,
# a host backend may report up to an hour in one event.
MAX_ACTIVE_SECONDS = 3600


class ActiveProps(Strict):
    # Strict: a whole number, not `true`, `60.0` or `"60"`.
    seconds: int = Field(strict=True, ge=1, le=MAX_ACTIVE_SECONDS)


RESERVED_EVENTS: dict[str, type[Strict]] = {
    "$tour_started": TourEventProps,
    "$tour_step_seen": StepSeenProps,
    "$tour_completed": TourEventProps,
    "$tour_dismissed": TourEventProps,
    "$target_missing": TargetMissingProps,
    "$checklist_item_completed": ChecklistItemProps,
    "$survey_answered": SurveyProps,
    "$page_viewed": PageViewProps,
    "$help_opened": HelpProps,
    "$help_article_opened": HelpArticleProps,
    "$help_searched": HelpSearchProps,
    "$active": ActiveProps,
}


def check_events(events: Sequence[WidgetEventIn]) -> None:
    """Checks pydantic cannot express: property size, and reserved events' properties.
    Raises one error listing every bad path."""
    problems: list[FieldError] = []
    for index, event in enumerate(events):
        if event.properties and nesting_depth(event.properties) > MAX_PROPERTIES_DEPTH:
            problems.append(
                FieldError(
                    f"events[{index}].properties",
                    f"must not nest objects or lists more than {MAX_PROPERTIES_DEPTH} levels deep",
                )
            )
        elif event.properties and len(dumps(event.properties)) > MAX_PROPERTIES_BYTES:
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

_TRAIT_TYPES = (
    f"a string (up to {MAX_TRAIT_TEXT} characters), number, boolean, null or a list of up to"
    f" {MAX_TRAIT_LIST} of those"
)


def _trait_value_schema(_source: Any, _handler: Any) -> core_schema.CoreSchema:
    """Checked by pydantic's core, with no Python call per value (a validator per trait value
    cost more than the rest of a widget session's validation), and one clear message instead
    of one error per kind of value tried."""
    scalars: list[core_schema.CoreSchema | tuple[core_schema.CoreSchema, str]] = [
        core_schema.str_schema(max_length=MAX_TRAIT_TEXT, strict=True),
        core_schema.bool_schema(strict=True),
        core_schema.int_schema(strict=True),
        core_schema.float_schema(allow_inf_nan=False, strict=True),
    ]
    return core_schema.union_schema(
        [
            *scalars,
            core_schema.none_schema(),
            core_schema.list_schema(core_schema.union_schema(scalars), max_length=MAX_TRAIT_LIST),
        ],
        # The first kind that takes the value wins; `smart` would try every kind each time.
        mode="left_to_right",
        custom_error_type="trait_value",
        custom_error_message=f"must be {_TRAIT_TYPES}",
    )


TraitName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TRAIT_NAME)]
TraitValue = Annotated[Any, GetPydanticSchema(_trait_value_schema)]
Traits = Annotated[dict[TraitName, TraitValue], Field(max_length=MAX_TRAITS)]
Locale = Annotated[str, StringConstraints(max_length=MAX_LOCALE, pattern=anchored(LOCALE))]


class CompanyIn(Strict):
    id: ExternalId
    traits: Traits | None = None
