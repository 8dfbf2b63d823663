"""Completion rules of checklist items and goals: one module per rule type (docs/kpis.md)."""

from __future__ import annotations

from shirube.content.rules.base import (
    RECOMPUTE,
    Completion,
    EvalContext,
    Fact,
    Recompute,
    Row,
    RuleType,
    UserFacts,
)
from shirube.content.rules.model import CompletionRule
from shirube.content.rules.registry import RULE_TYPES

__all__ = [
    "RECOMPUTE",
    "RULE_TYPES",
    "Completion",
    "CompletionRule",
    "EvalContext",
    "Fact",
    "Recompute",
    "Row",
    "RuleType",
    "UserFacts",
]
