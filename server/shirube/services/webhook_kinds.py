"""The kinds of webhook a workspace can receive: a declared list, so that a new kind (the goal
events of #13) is one more entry here and one more place that emits it.

Each kind has a bit of its own in `workspace.webhook_kinds`, which says which kinds at least one
enabled endpoint of the workspace receives (services/webhook_endpoints.py keeps it). A bit is
never reused nor renumbered: it is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class WebhookKind:
    name: str
    bit: int
    # What it tells, for the console (English, Japanese).
    summary: str
    summary_ja: str


CHECKLIST_COMPLETED = WebhookKind(
    "checklist.completed",
    1 << 0,
    "A user completed every item of a published checklist version",
    "ユーザーが公開中のチェックリストのすべての項目を完了した",
)
TOUR_COMPLETED = WebhookKind(
    "tour.completed",
    1 << 1,
    "A user completed a tour (the first time)",
    "ユーザーがツアーを完了した(初回)",
)
SURVEY_ANSWERED = WebhookKind(
    "survey.answered",
    1 << 2,
    "A user answered a checklist's survey",
    "ユーザーがチェックリストのアンケートに回答した",
)

KINDS: tuple[WebhookKind, ...] = (CHECKLIST_COMPLETED, TOUR_COMPLETED, SURVEY_ANSWERED)
BY_NAME = {kind.name: kind for kind in KINDS}

# Named by issue #16, emitted once goals exist (issue #13 defines them): refused until then,
# with a message that says so. Each becomes one more entry of KINDS, with the next free bit.
COMING: dict[str, str] = {
    "user.goal_completed": "comes with onboarding goals (issue #13)",
    "company.onboarded": "comes with onboarding goals (issue #13)",
}


def kind_problem(name: str) -> str | None:
    """Why `name` cannot be subscribed to, or None."""
    if name in BY_NAME:
        return None
    if name in COMING:
        return f"{name} is not available yet: it {COMING[name]}"
    return f"unknown kind {name!r}; the kinds are {', '.join(BY_NAME)}"


def mask_of(names: Iterable[str]) -> int:
    mask = 0
    for name in names:
        kind = BY_NAME.get(name)
        if kind is not None:
            mask |= kind.bit
    return mask


def in_declared_order(names: Iterable[str]) -> list[str]:
    wanted = set(names)
    return [kind.name for kind in KINDS if kind.name in wanted]
