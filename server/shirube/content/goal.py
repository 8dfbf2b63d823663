"""Goals: what "onboarding complete" means for an audience, as ALL or ANY of completion rules,
with an optional company rule (docs/kpis.md)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from shirube.content.audience import AudienceField
from shirube.content.base import ContentModel, duplicate_errors
from shirube.content.primitives import Id, Key, StrictCount, is_id, is_key
from shirube.content.references import goal_refs, reference_errors
from shirube.content.rules import CompletionRule
from shirube.content.text import LocalizedText, TitleText
from shirube.errors import FieldError
from shirube.validation import validate_model

MAX_RULES = 20
TRAIT_MAX = 64
VALUE_MAX = 200


class GoalRule(ContentModel):
    id: Id
    title: TitleText | None = None
    rule: CompletionRule

    @field_validator("rule")
    @classmethod
    def _for_goals(cls, value: CompletionRule) -> CompletionRule:
        if not value.rule_type.in_goals:
            raise ValueError(f"a goal cannot use {value.type!r} rules")
        return value


class ShareRule(ContentModel):
    """Onboarded when at least `percent` % of the company's audience users completed."""

    type: Literal["share"]
    percent: Annotated[StrictCount, Field(ge=1, le=100)]


class RoleRule(ContentModel):
    """Onboarded when every audience user of the company whose trait `trait` equals `value`
    completed (and there is at least one)."""

    type: Literal["role"]
    trait: Annotated[str, Field(min_length=1, max_length=TRAIT_MAX)] = "role"
    value: Annotated[str, Field(min_length=1, max_length=VALUE_MAX)]


CompanyRule = Annotated[ShareRule | RoleRule, Field(discriminator="type")]


class GoalDoc(ContentModel):
    """A goal. Validate input with `validate_goal`, which also checks unique rule ids and
    that referenced tours and checklists exist."""

    key: Key
    name: TitleText
    description: LocalizedText | None = None
    audience: AudienceField = None
    match: Literal["all", "any"] = "all"
    rules: list[GoalRule] = Field(min_length=1, max_length=MAX_RULES)
    company: CompanyRule | None = None


def goal_counted_names(goal: GoalDoc) -> set[str]:
    """The event names whose events the goal's rules count."""
    names: set[str] = set()
    for entry in goal.rules:
        names |= entry.rule.rule_type.counted_names(entry.rule)
    return names


def goal_errors(
    data: Any,
    tour_keys: Collection[str] | None,
    checklist_keys: Collection[str] | None,
    prefix: str = "",
) -> list[FieldError]:
    """Rules pydantic cannot express (unique rule ids, known tours and checklists)."""
    if not isinstance(data, Mapping):
        return []
    dot = f"{prefix}." if prefix else ""
    errors = duplicate_errors(data.get("rules"), "id", "rule id", f"{dot}rules", is_id)
    refs = goal_refs(data)
    known = {"tour": tour_keys, "checklist": checklist_keys}
    own = ("goal", data["key"]) if is_key(data.get("key")) else None
    return errors + reference_errors(refs, known, dot, own)


def validate_goal(
    data: Any,
    tour_keys: Collection[str] | None,
    checklist_keys: Collection[str] | None,
    prefix: str = "",
) -> GoalDoc:
    extra = goal_errors(data, tour_keys, checklist_keys, prefix)
    return validate_model(GoalDoc, data, prefix, extra)
