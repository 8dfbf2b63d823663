"""`active_time`: the user was active in the product for `minutes` (the `$active` events the
widget and the host backend send), optionally within `within_days` of their first seen; met at
the event that brought the total to `minutes`.

Evaluated from the user's seconds per day (one row a day), and from the `$active` events of
the day the total crosses `minutes` only: a user's heartbeats are never all read, however long
they have been active (services/rule_facts.py loads just those).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from shirube.content.rules.base import Completion, EvalContext, RuleType, UserFacts, window_end

ACTIVE = "$active"


def crossing_day(days: Mapping[str, int], needed: int) -> str | None:
    """The UTC day ("YYYY-MM-DD") on which the seconds per day reach `needed` in total."""
    total = 0
    for day in sorted(days):
        total += days[day]
        if total >= needed:
            return day
    return None


def crossing_days(days: Mapping[str, int], minutes: Iterable[int]) -> set[str]:
    """The crossing day of each threshold (in minutes) that the days reach."""
    found = (crossing_day(days, m * 60) for m in minutes)
    return {day for day in found if day is not None}


def _seconds(properties: Any) -> int:
    seconds = None if properties is None else properties.get("seconds")
    if isinstance(seconds, int) and not isinstance(seconds, bool) and seconds > 0:
        return seconds
    return 0


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
        day = crossing_day(facts.active_days, rule.minutes * 60)
        if until is None or day is None:
            return None
        # The seconds of the days before, then the crossing day's events in time order.
        total = sum(seconds for d, seconds in facts.active_days.items() if d < day)
        start = datetime.fromisoformat(day).replace(tzinfo=UTC)
        if start > until:
            return None
        for fact in facts.events.get(ACTIVE, ()):
            if fact.at < start or fact.at.date().isoformat() != day:
                continue
            if fact.at > until:
                return None
            total += _seconds(fact.properties)
            if total >= rule.minutes * 60:
                return Completion(fact.at, fact.event_id)
        return None
