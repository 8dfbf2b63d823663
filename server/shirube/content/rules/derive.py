"""What a user's facts complete: every item's rule evaluated, again and again until nothing
changes, so that an item waiting for a checklist that the same facts complete is found in the
same pass, however long the chain (the session's catch-up and the KPI worker share this)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shirube.content.rules.base import Completion, EvalContext, UserFacts

ItemKey = tuple[str, str]  # (checklist key, item id)


def derive(
    facts: UserFacts, rules: Sequence[tuple[ItemKey, Any]], context: EvalContext
) -> dict[ItemKey, tuple[Completion, str]]:
    """The completions (and their rule type) that the facts give earlier than `facts.items`
    holds, or that it lacks; `facts.items` is brought up to date in memory. A cycle of
    checklists waiting for each other completes nothing, and ends."""
    found: dict[ItemKey, tuple[Completion, str]] = {}
    for _ in range(len(rules) + 1):
        changed = False
        for key, rule in rules:
            met = rule.rule_type.evaluate(rule, facts, context)
            if met is None:
                continue
            stored = facts.items.get(key)
            if stored is None or met.at < stored:
                facts.items[key] = met.at
                found[key] = (met, rule.type)
                changed = True
        if not changed:
            break
    return found
