"""`tour_completed`: the user completed the tour; met at its first `$tour_completed`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from shirube.content.rules.base import (
    BatchAnswer,
    Completion,
    EvalContext,
    Row,
    RuleType,
    UserFacts,
)

TOUR_COMPLETED = "$tour_completed"


class TourCompletedRule(RuleType):
    name = "tour_completed"
    required = ("tour",)
    refers_to: ClassVar[dict[str, str]] = {"tour": "tour"}

    def triggers(self, rule: Any) -> tuple[str, ...]:
        return (TOUR_COMPLETED,)

    def from_batch(self, rule: Any, rows: Sequence[Row]) -> BatchAnswer:
        for row in rows:
            if row.properties.get("tour") == rule.tour:
                return Completion(row.at, row.event_id)
        return None

    def evaluate(self, rule: Any, facts: UserFacts, ctx: EvalContext) -> Completion | None:
        at = facts.tours_completed.get(rule.tour)
        return None if at is None else Completion(at)
