"""`event`: the user sent an event (optionally with `where` on its properties) `min_count`
times, optionally within `within_days` of their first seen; met at the `min_count`-th
earliest such event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shirube.content.rules.base import (
    RECOMPUTE,
    BatchAnswer,
    Completion,
    EvalContext,
    Row,
    RuleType,
    UserFacts,
    window_end,
)


class EventRule(RuleType):
    name = "event"
    required = ("event",)
    optional = ("where", "min_count", "within_days")

    def counted_names(self, rule: Any) -> frozenset[str]:
        return frozenset((rule.event,))

    def triggers(self, rule: Any) -> tuple[str, ...]:
        return (rule.event,)

    def from_batch(self, rule: Any, rows: Sequence[Row]) -> BatchAnswer:
        if rule.min_count != 1 or rule.within_days is not None:
            return RECOMPUTE
        for row in rows:
            if rule.matches(row.properties):
                return Completion(row.at, row.event_id)
        return None

    def evaluate(self, rule: Any, facts: UserFacts, ctx: EvalContext) -> Completion | None:
        until = window_end(facts, rule.within_days)
        if until is None:
            return None
        needed = rule.min_count
        for fact in facts.events.get(rule.event, ()):
            if fact.at > until:
                return None
            if rule.matches(fact.properties):
                needed -= 1
                if needed == 0:
                    return Completion(fact.at, fact.event_id)
        return None
