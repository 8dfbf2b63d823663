"""`active_time`: the user was active in the product for `minutes` (the `$active` events the
widget and the host backend send), optionally within `within_days` of their first seen; met at
the event that brought the total to `minutes`."""

from __future__ import annotations

from typing import Any

from shirube.content.rules.base import Completion, EvalContext, RuleType, UserFacts, window_end

ACTIVE = "$active"


class ActiveTimeRule(RuleType):
    name = "active_time"
    required = ("minutes",)
    optional = ("within_days",)

    def counted_names(self, rule: Any) -> frozenset[str]:
        return frozenset((ACTIVE,))

    def triggers(self, rule: Any) -> tuple[str, ...]:
        return (ACTIVE,)

    def evaluate(self, rule: Any, facts: UserFacts, ctx: EvalContext) -> Completion | None:
        until = window_end(facts, rule.within_days)
        if until is None:
            return None
        needed = rule.minutes * 60
        for fact in facts.events.get(ACTIVE, ()):
            if fact.at > until:
                return None
            seconds = None if fact.properties is None else fact.properties.get("seconds")
            if isinstance(seconds, int) and not isinstance(seconds, bool) and seconds > 0:
                needed -= seconds
                if needed <= 0:
                    return Completion(fact.at, fact.event_id)
        return None
