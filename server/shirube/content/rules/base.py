"""What every completion rule type declares, and the facts about a user it is evaluated on.

A rule type is one module of this package: its fields (which the rule model validates), the
event names whose events it reads (kept by user in `counted_event`), what a batch of new
events can decide on its own (the incremental projection), and its completion time computed
from a user's stored facts (the recomputation: a session's catch-up, the KPI worker, the
backfill after a publish). Incremental and recomputed answers must agree (tests/content/rules).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, NamedTuple


class Completion(NamedTuple):
    """When a rule was met (event time), and by which event when one event did it."""

    at: datetime
    event_id: str | None = None


class Fact(NamedTuple):
    """A stored event a rule may count: its time, id and properties."""

    at: datetime
    event_id: str
    properties: Mapping[str, Any] | None


@dataclass
class UserFacts:
    """What is stored about one user that rules read."""

    user_id: str
    first_seen: datetime | None = None
    # Counted events by name, each list in event time order (ties by event id).
    events: dict[str, list[Fact]] = field(default_factory=dict)
    # First completion time of each tour.
    tours_completed: dict[str, datetime] = field(default_factory=dict)
    # Stored checklist item completions: (checklist key, item id) -> time.
    items: dict[tuple[str, str], datetime] = field(default_factory=dict)
    # Active seconds per UTC day ("YYYY-MM-DD"), from `$active` events (services/active_time.py).
    active_days: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class EvalContext:
    """What a rule may need to know about the published content: each checklist's item ids."""

    checklist_items: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def checklist_completed(self, facts: UserFacts, key: str) -> datetime | None:
        """When the user completed every item of the published checklist `key`."""
        ids = self.checklist_items.get(key)
        if not ids:
            return None
        times = [facts.items.get((key, item_id)) for item_id in ids]
        if any(at is None for at in times):
            return None
        return max(at for at in times if at is not None)


FOREVER = datetime.max.replace(tzinfo=UTC)


def window_end(facts: UserFacts, within_days: int | None) -> datetime | None:
    """The last moment a rule counts events: `within_days` after first seen, or FOREVER
    without a window; None when the window is unknown (no first seen yet: nothing counts)."""
    if within_days is None:
        return FOREVER
    if facts.first_seen is None:
        return None
    return facts.first_seen + timedelta(days=within_days)


class Recompute:
    """A batch alone cannot tell (e.g. the N-th event): evaluate from the stored facts."""


RECOMPUTE = Recompute()
BatchAnswer = Completion | Recompute | None


class Row(NamedTuple):
    """A new event as the projection sees it."""

    at: datetime
    event_id: str
    name: str
    properties: Mapping[str, Any]


class RuleType:
    """Base of the rule types. `rule` arguments are `CompletionRule` models."""

    name: ClassVar[str]
    # Fields of the rule model this type requires, and those it may have.
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    # Whether goals may use it (a checklist item may use every type).
    in_goals: ClassVar[bool] = True
    # Fields naming other content, and its kind (checked to exist when the rule is saved).
    refers_to: ClassVar[dict[str, str]] = {}

    def counted_names(self, rule: Any) -> frozenset[str]:
        """Event names whose events this rule reads from `counted_event`."""
        return frozenset()

    def triggers(self, rule: Any) -> tuple[str, ...]:
        """Event names whose new events may complete the rule (the projection's index)."""
        return ()

    def from_batch(self, rule: Any, rows: Sequence[Row]) -> BatchAnswer:
        """The completion that the new events `rows` (of one user, of a trigger name, in event
        time order) bring on their own; RECOMPUTE when stored facts are needed."""
        return RECOMPUTE

    def evaluate(self, rule: Any, facts: UserFacts, ctx: EvalContext) -> Completion | None:
        """When the user met the rule, from their stored facts; None when not (yet)."""
        raise NotImplementedError
