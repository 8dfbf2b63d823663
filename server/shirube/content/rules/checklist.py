"""`checklist_completed`: the user completed every item of another published checklist; met
when its last item was. Derived from stored item completions, so only recomputation (the
session's catch-up, the KPI worker) decides it, never a batch alone."""

from __future__ import annotations

from typing import Any, ClassVar

from shirube.content.rules.base import Completion, EvalContext, RuleType, UserFacts


class ChecklistCompletedRule(RuleType):
    name = "checklist_completed"
    required = ("checklist",)
    refers_to: ClassVar[dict[str, str]] = {"checklist": "checklist"}

    def from_batch(self, rule: Any, rows: Any) -> None:
        return None

    def evaluate(self, rule: Any, facts: UserFacts, ctx: EvalContext) -> Completion | None:
        at = ctx.checklist_completed(facts, rule.checklist)
        return None if at is None else Completion(at)
