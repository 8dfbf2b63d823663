"""`page_visited`: the user viewed a page matching `page`; met at the earliest such view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shirube.content.rules.base import (
    BatchAnswer,
    Completion,
    EvalContext,
    Row,
    RuleType,
    UserFacts,
)

PAGE_VIEWED = "$page_viewed"


class PageVisitedRule(RuleType):
    name = "page_visited"
    required = ("page",)

    def counted_names(self, rule: Any) -> frozenset[str]:
        return frozenset((PAGE_VIEWED,))

    def triggers(self, rule: Any) -> tuple[str, ...]:
        return (PAGE_VIEWED,)

    def _visited(self, rule: Any, properties: Any) -> bool:
        url = None if properties is None else properties.get("url")
        return isinstance(url, str) and rule.page_matcher.matches(url)

    def from_batch(self, rule: Any, rows: Sequence[Row]) -> BatchAnswer:
        for row in rows:
            if self._visited(rule, row.properties):
                return Completion(row.at, row.event_id)
        return None

    def evaluate(self, rule: Any, facts: UserFacts, ctx: EvalContext) -> Completion | None:
        for fact in facts.events.get(PAGE_VIEWED, ()):
            if self._visited(rule, fact.properties):
                return Completion(fact.at, fact.event_id)
        return None
