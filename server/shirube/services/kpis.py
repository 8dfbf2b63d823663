"""The KPI queries the analytics API and the dashboard call (definitions: docs/kpis.md).

Each reads stored rows only (kpi_user, kpi_company and the progress tables), inside the
caller's transaction; nothing here scans the event log except `feature_usage`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from shirube.services.kpi_model import (
    ActivityPoint,
    BackfillState,
    CohortRow,
    CompanyPage,
    CompanySort,
    FeatureUsage,
    FunnelStep,
    ItemRate,
    KpiFilter,
    Objective,
    ObjectiveKind,
    StuckCompany,
    StuckUser,
    Summary,
    SurveyResult,
)
from shirube.storage import Connection


def list_objectives(conn: Connection, workspace_id: int, locale: str) -> list[Objective]:
    """Published goals, checklists and tours, goals first."""
    raise NotImplementedError


def find_objective(
    conn: Connection, workspace_id: int, kind: ObjectiveKind, key: str, locale: str
) -> Objective:
    """The published objective, or NotFound."""
    raise NotImplementedError


def summary(
    conn: Connection, workspace_id: int, objective: Objective, filt: KpiFilter, now: datetime
) -> Summary:
    raise NotImplementedError


def companies(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    *,
    page: int = 1,
    per_page: int = 50,
    sort: CompanySort = "users",
    descending: bool = True,
    search: str | None = None,
) -> CompanyPage:
    raise NotImplementedError


def cohorts(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    now: datetime,
    weeks: int = 12,
) -> list[CohortRow]:
    raise NotImplementedError


def funnel(conn: Connection, workspace_id: int, tour_key: str, filt: KpiFilter) -> list[FunnelStep]:
    raise NotImplementedError


def item_rates(
    conn: Connection, workspace_id: int, objective: Objective, filt: KpiFilter
) -> list[ItemRate]:
    """A checklist's items, or a goal's rules."""
    raise NotImplementedError


def activity(
    conn: Connection,
    workspace_id: int,
    filt: KpiFilter,
    start: date,
    end: date,
    period: Literal["day", "week"],
) -> list[ActivityPoint]:
    raise NotImplementedError


def feature_usage(
    conn: Connection, workspace_id: int, events: list[str], filt: KpiFilter
) -> list[FeatureUsage]:
    raise NotImplementedError


def surveys(
    conn: Connection, workspace_id: int, filt: KpiFilter, checklist: str | None = None
) -> list[SurveyResult]:
    raise NotImplementedError


def stuck_users(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    days: int,
    now: datetime,
    limit: int = 100,
) -> list[StuckUser]:
    raise NotImplementedError


def stuck_companies(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    days: int,
    now: datetime,
    limit: int = 100,
) -> list[StuckCompany]:
    raise NotImplementedError


def backfills(conn: Connection, workspace_id: int) -> list[BackfillState]:
    """The latest backfill job of each published objective, newest first."""
    raise NotImplementedError
