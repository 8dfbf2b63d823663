"""What the dashboard shows, read in one transaction (one snapshot: every figure of a page
counts the same users). Only the parts a view (VIEW_PARTS) or a CSV needs are queried.

The figures come from services/kpis.py, called as `kpis.NAME(...)` (module attribute), the one
place the console reads them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from shirube.console.dashboard_query import DashboardQuery, View
from shirube.services import kpis
from shirube.services.kpi_model import (
    ActivityPoint,
    BackfillState,
    CohortRow,
    CompanyPage,
    FeatureUsage,
    FunnelStep,
    ItemRate,
    Objective,
    StuckCompany,
    StuckUser,
    Summary,
    SurveyResult,
)
from shirube.storage import Connection

Part = Literal[
    "summary", "cohorts", "steps", "companies", "activity", "features", "surveys",
    "stuck_users", "stuck_companies", "backfills",
]  # fmt: skip
ALL_PARTS: frozenset[Part] = frozenset(
    ("summary", "cohorts", "steps", "companies", "activity", "features", "surveys",
     "stuck_users", "stuck_companies", "backfills")
)  # fmt: skip
# What each view of the dashboard queries (and nothing more: a page of every figure took
# 3-6 s at 100k users, each view's few queries well under 1 s, #13).
VIEW_PARTS: dict[View, frozenset[Part]] = {
    "overview": frozenset(("summary", "cohorts", "steps")),
    "companies": frozenset(("companies", "stuck_companies")),
    "people": frozenset(("stuck_users",)),
    "usage": frozenset(("activity", "features")),
    "surveys": frozenset(("surveys",)),
    "recomputation": frozenset(("backfills",)),
}
COHORT_WEEKS = 12
COMPANIES_PER_PAGE = 25
STUCK_LIMIT = 100
# Activity without a date range: the last 12 weeks, or the last 30 days; with one, at most
# 2 years of weeks or a year of days (a point per day over five years reads as nothing).
DEFAULT_WEEKS, DEFAULT_DAYS = 12, 30
MAX_WEEKS, MAX_DAYS = 104, 366


@dataclass
class Dashboard:
    objectives: list[Objective]
    objective: Objective | None
    now: datetime
    summary: Summary | None = None
    cohorts: list[CohortRow] = field(default_factory=list)
    funnel: list[FunnelStep] = field(default_factory=list)
    items: list[ItemRate] = field(default_factory=list)
    companies: CompanyPage | None = None
    activity: list[ActivityPoint] = field(default_factory=list)
    activity_range: tuple[date, date] | None = None
    features: list[FeatureUsage] = field(default_factory=list)
    surveys: list[SurveyResult] = field(default_factory=list)
    stuck_users: list[StuckUser] = field(default_factory=list)
    stuck_companies: list[StuckCompany] = field(default_factory=list)
    backfills: list[BackfillState] = field(default_factory=list)


def activity_range(query: DashboardQuery, today: date) -> tuple[date, date]:
    end = query.first_seen_to or today
    if query.period == "week":
        longest, default = timedelta(weeks=MAX_WEEKS - 1), timedelta(weeks=DEFAULT_WEEKS - 1)
    else:
        longest, default = timedelta(days=MAX_DAYS - 1), timedelta(days=DEFAULT_DAYS - 1)
    start = query.first_seen_from or end - default
    start = max(start, end - longest)
    if query.period == "week":
        start -= timedelta(days=start.weekday())  # weeks start on Monday (docs/kpis.md)
    return start, end


def load(
    conn: Connection,
    workspace_id: int,
    query: DashboardQuery,
    locale: str,
    now: datetime,
    parts: frozenset[Part] = ALL_PARTS,
) -> Dashboard:
    objectives = kpis.list_objectives(conn, workspace_id, locale)
    objective: Objective | None
    if query.objective is not None:
        # NotFound for a key that is not published: the console's 404 page.
        objective = kpis.find_objective(conn, workspace_id, *query.objective, locale)
    else:
        objective = objectives[0] if objectives else None
    board = Dashboard(objectives=objectives, objective=objective, now=now)
    # A segment's users read once for every figure of the page (each would read them again).
    filt = kpis.resolve_segment(conn, workspace_id, query.filt)
    # Parts that need no objective.
    if "activity" in parts:
        start, end = board.activity_range = activity_range(query, now.date())
        board.activity = kpis.activity(conn, workspace_id, filt, start, end, query.period)
    if "features" in parts and query.events:
        board.features = kpis.feature_usage(conn, workspace_id, list(query.events), filt)
    if "surveys" in parts:
        checklist = objective.key if objective and objective.kind == "checklist" else None
        board.surveys = kpis.surveys(conn, workspace_id, filt, checklist)
    if "backfills" in parts:
        board.backfills = kpis.backfills(conn, workspace_id)
    if objective is None:
        return board
    items = None
    if "summary" in parts and "cohorts" in parts and "steps" in parts:
        # A goal's rule rates from the summary's pass (one pass over the audience less).
        board.summary, board.cohorts, items = kpis.overview(
            conn, workspace_id, objective, filt, now, COHORT_WEEKS, locale
        )
    elif "summary" in parts and "cohorts" in parts:
        board.summary, board.cohorts = kpis.summary_and_cohorts(
            conn, workspace_id, objective, filt, now, COHORT_WEEKS
        )
    elif "summary" in parts:
        board.summary = kpis.summary(conn, workspace_id, objective, filt, now)
    elif "cohorts" in parts:
        board.cohorts = kpis.cohorts(conn, workspace_id, objective, filt, now, COHORT_WEEKS)
    if "steps" in parts:
        if objective.kind == "tour":
            board.funnel = kpis.funnel(conn, workspace_id, objective.key, filt)
        elif items is not None:
            board.items = items
        else:
            total = board.summary.audience if board.summary is not None else None
            board.items = kpis.item_rates(conn, workspace_id, objective, filt, total=total)
    if "companies" in parts:
        board.companies = kpis.companies(
            conn,
            workspace_id,
            objective,
            filt,
            page=query.page,
            per_page=COMPANIES_PER_PAGE,
            sort=query.sort,
            descending=query.descending,
            search=query.search or None,
        )
    if "stuck_users" in parts:
        board.stuck_users = kpis.stuck_users(
            conn, workspace_id, objective, filt, query.stuck_days, now, STUCK_LIMIT
        )
    if "stuck_companies" in parts:
        board.stuck_companies = kpis.stuck_companies(
            conn, workspace_id, objective, filt, query.stuck_days, now, STUCK_LIMIT
        )
    return board
