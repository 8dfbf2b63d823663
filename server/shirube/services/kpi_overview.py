"""The dashboard's overview of an objective in as few passes over its audience as the figures
allow: the summary and the weekly cohorts in one grouped pass and, for a goal on PostgreSQL,
the completion of each rule counted in that same pass (each rule an EXISTS per audience user,
kpi_funnels.goal_rule_sums): one pass less, 130-220 ms less backend CPU at 100,000 users.
On SQLite the rules' EXISTS cost more inside the grouped pass than in a pass of their own
(+70 ms of CPU at 100,000 users, bench/README.md), so there they are left to item_rates."""

from __future__ import annotations

from datetime import datetime

from shirube.services.kpi_funnels import goal_rule_sums
from shirube.services.kpi_model import CohortRow, ItemRate, KpiFilter, Objective, Summary
from shirube.services.kpi_objectives import parts, published
from shirube.services.kpi_summary import summary_and_cohorts, summary_cohorts_and
from shirube.storage import Connection


def overview(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    now: datetime,
    weeks: int = 12,
    locale: str = "en",
) -> tuple[Summary, list[CohortRow], list[ItemRate] | None]:
    """`summary_and_cohorts`, and for a goal on PostgreSQL `item_rates` from the same pass;
    None for a checklist or a tour (whose parts are read from their own progress tables) and
    on SQLite: the caller then runs `item_rates`."""
    if objective.kind != "goal" or conn.is_sqlite:
        return (*summary_and_cohorts(conn, workspace_id, objective, filt, now, weeks), None)
    _, document = published(conn, workspace_id, objective.kind, objective.key)
    rules = goal_rule_sums(parts(objective.kind, document, locale))
    figures, rows, done = summary_cohorts_and(
        conn, workspace_id, objective, filt, now, weeks, [count for _, count in rules]
    )
    items = [
        ItemRate(part.id, part.title, count, figures.audience)
        for (part, _), count in zip(rules, done, strict=True)
    ]
    return figures, rows, items
