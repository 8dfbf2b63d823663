"""Every rule type by name: adding a type means one module of this package and a line here."""

from __future__ import annotations

from shirube.content.rules.active import ActiveTimeRule
from shirube.content.rules.base import RuleType
from shirube.content.rules.checklist import ChecklistCompletedRule
from shirube.content.rules.event import EventRule
from shirube.content.rules.manual import ManualRule
from shirube.content.rules.page import PageVisitedRule
from shirube.content.rules.tour import TourCompletedRule

RULE_TYPES: dict[str, RuleType] = {
    rule_type.name: rule_type
    for rule_type in (
        EventRule(),
        TourCompletedRule(),
        ChecklistCompletedRule(),
        PageVisitedRule(),
        ActiveTimeRule(),
        ManualRule(),
    )
}
RULE_FIELDS = ("event", "where", "min_count", "within_days", "tour", "checklist", "page", "minutes")


def requiring(field: str) -> tuple[str, ...]:
    """The types that require `field`."""
    return tuple(name for name, t in RULE_TYPES.items() if field in t.required)


def allowing(field: str) -> tuple[str, ...]:
    """The types that may have `field` without requiring it."""
    return tuple(name for name, t in RULE_TYPES.items() if field in t.optional)
