"""Tours: ordered steps (tooltip, modal, hotspot) shown on matching pages to a targeted audience."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from shirube.content.audience import AudienceField
from shirube.content.base import ContentModel, depends_on, duplicate_errors, not_blank
from shirube.content.primitives import EventName, Id, Key, PagePattern, StrictCount, Url, is_id
from shirube.content.target import RobustTarget, Target
from shirube.content.text import LocalizedText, Text, TitleText
from shirube.errors import FieldError
from shirube.validation import validate_model

MAX_STEPS = 50
MAX_PAGES = 50
NAME_MAX = 200
WAIT_MAX_MS = 60_000
DEFAULT_WAIT_MS = 5_000

StepKind = Literal["tooltip", "modal", "hotspot"]
Placement = Literal[
    "auto",
    "top",
    "top-start",
    "top-end",
    "bottom",
    "bottom-start",
    "bottom-end",
    "left",
    "left-start",
    "left-end",
    "right",
    "right-start",
    "right-end",
]
Frequency = Literal["once", "until_completed", "every_session"]


class Trigger(ContentModel):
    """When the tour starts: automatically on its pages, only when asked, or on an event."""

    type: Literal["auto", "manual", "event"]
    event: EventName | None = Field(default=None, validate_default=True)

    @field_validator("event")
    @classmethod
    def _event(cls, value: str | None, info: ValidationInfo) -> str | None:
        depends_on(value, info, selector="type", required=("event",))
        return value


class Advance(ContentModel):
    """What moves the tour past a step: its button, a click on its target, or an event."""

    type: Literal["next", "click", "event"]
    event: EventName | None = Field(default=None, validate_default=True)

    @field_validator("event")
    @classmethod
    def _event(cls, value: str | None, info: ValidationInfo) -> str | None:
        depends_on(value, info, selector="type", required=("event",))
        return value


class Cta(ContentModel):
    """A call-to-action link shown in the step."""

    label: TitleText
    url: Url


class Step(ContentModel):
    id: Id
    kind: StepKind
    target: Target | None = Field(default=None, validate_default=True)
    placement: Placement = "auto"
    page: PagePattern | None = None
    title: TitleText | None = None
    body: LocalizedText | None = Field(default=None, validate_default=True)
    advance: Advance = Advance(type="next")
    cta: Cta | None = None
    if_missing: Literal["skip", "end"] = "skip"
    wait_ms: Annotated[StrictCount, Field(ge=0, le=WAIT_MAX_MS)] = DEFAULT_WAIT_MS

    @field_validator("target")
    @classmethod
    def _target(
        cls, value: str | RobustTarget | None, info: ValidationInfo
    ) -> str | RobustTarget | None:
        depends_on(
            value, info, selector="kind", required=("tooltip", "hotspot"), allowed=("modal",)
        )
        return value

    @field_validator("body")
    @classmethod
    def _body(cls, value: Text | None, info: ValidationInfo) -> Text | None:
        if value is None and "title" in info.data and info.data["title"] is None:
            raise ValueError("is required when the step has no title")
        return value

    @field_validator("advance")
    @classmethod
    def _advance(cls, value: Advance, info: ValidationInfo) -> Advance:
        if value.type == "click" and "target" in info.data and info.data["target"] is None:
            raise ValueError("'click' needs a target to click: set the step's target")
        return value


class TourDoc(ContentModel):
    """A tour. Validate input with `validate_tour`: `model_validate` skips the unique-id rule."""

    key: Key
    name: Annotated[str, Field(min_length=1, max_length=NAME_MAX), AfterValidator(not_blank)]
    trigger: Trigger = Trigger(type="auto")
    audience: AudienceField = None
    pages: list[PagePattern] = Field(default_factory=list, max_length=MAX_PAGES)
    frequency: Frequency = "once"
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)


def tour_errors(data: Any, prefix: str = "") -> list[FieldError]:
    """Rules pydantic cannot express, checked on the raw tour."""
    if not isinstance(data, Mapping):
        return []
    steps_path = f"{prefix}.steps" if prefix else "steps"
    return duplicate_errors(data.get("steps"), "id", "step id", steps_path, is_id)


def validate_tour(data: Any, prefix: str = "") -> TourDoc:
    """Validate a tour, reporting every problem with its full path (under `prefix`)."""
    extra = tour_errors(data, prefix)
    return validate_model(TourDoc, data, prefix, extra)
