"""The KPI queries the analytics API and the dashboard call (definitions: docs/kpis.md), one
module a concept:

- `kpi_objectives`: the published goals, checklists and tours; the backfill jobs;
- `kpi_summary`: an objective's headline figures and its weekly cohorts; `kpi_overview`:
  those and a goal's rules in one pass (the dashboard's overview);
- `kpi_companies`: the per-company table (every company, sorted, searched, paginated);
- `kpi_funnels`: a tour's funnel, and the completion of each part of an objective;
- `kpi_activity`: active users per day or week; `kpi_usage`: feature usage;
- `kpi_surveys`: the checklists' surveys; `kpi_stuck`: stuck users and companies;
- `kpi_segment`: the filter (first seen, user and company traits) as SQL; `resolve_segment`
  reads a segment's users once for the figures of a page.

Each reads stored rows only (kpi_user, kpi_company, the progress tables and the active days),
inside the caller's transaction; nothing here scans the event log except `feature_usage` and
the funnel's dismissals and missing targets (each one event name, by `ix_event_name`).
"""

from __future__ import annotations

from shirube.services.kpi_activity import activity
from shirube.services.kpi_companies import companies
from shirube.services.kpi_funnels import funnel, item_rates
from shirube.services.kpi_objectives import backfills, find_objective, list_objectives
from shirube.services.kpi_overview import overview
from shirube.services.kpi_segment import resolve_segment
from shirube.services.kpi_stuck import stuck_companies, stuck_users
from shirube.services.kpi_summary import cohorts, summary, summary_and_cohorts
from shirube.services.kpi_surveys import surveys
from shirube.services.kpi_usage import feature_usage

__all__ = [
    "activity",
    "backfills",
    "cohorts",
    "companies",
    "feature_usage",
    "find_objective",
    "funnel",
    "item_rates",
    "list_objectives",
    "overview",
    "resolve_segment",
    "stuck_companies",
    "stuck_users",
    "summary",
    "summary_and_cohorts",
    "surveys",
]
