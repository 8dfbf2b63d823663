"""`manual`: ticked by the user in the widget (or by the host backend for any item); its
completion is the stored tick, which nothing recomputes. Checklist items only."""

from __future__ import annotations

from typing import Any

from shirube.content.rules.base import Completion, EvalContext, RuleType, UserFacts


class ManualRule(RuleType):
    name = "manual"
    in_goals = False

    def from_batch(self, rule: Any, rows: Any) -> None:
        return None

    def evaluate(self, rule: Any, facts: UserFacts, ctx: EvalContext) -> Completion | None:
        return None
