"""KPI values (services/kpi_model.py) as the analytics API's JSON: times in ISO 8601 UTC,
durations in exact seconds, rates as fractions (null where nothing is counted)."""

from __future__ import annotations

from typing import Any

from shirube.services.kpi_model import (
    ActivityPoint,
    BackfillState,
    CohortRow,
    CompanyPage,
    CompanyRow,
    FeatureUsage,
    FunnelStep,
    ItemRate,
    Objective,
    StuckCompany,
    StuckUser,
    Summary,
    SurveyComment,
    SurveyResult,
    WeekFigure,
)
from shirube.timeutil import isoformat

# The plural in paths, the singular in figures.
KINDS = {"goals": "goal", "checklists": "checklist", "tours": "tour"}


def objective(o: Objective) -> dict[str, Any]:
    return {"kind": o.kind, "key": o.key, "name": o.name, "version": o.version}


def _week(w: WeekFigure) -> dict[str, Any]:
    return {
        "week_start": w.week_start.isoformat(),
        "users": w.users,
        "completed": w.completed,
        "rate": w.rate,
    }


def summary(s: Summary) -> dict[str, Any]:
    return {
        "objective": objective(s.objective),
        "audience": s.audience,
        "started": s.started,
        "never_started": s.never_started,
        "completed": s.completed,
        "rate": s.rate,
        "p50_seconds": s.p50_seconds,
        "p90_seconds": s.p90_seconds,
        "incomplete_after": {str(days): share for days, share in s.incomplete_after.items()},
        "this_week": _week(s.this_week),
        "last_week": _week(s.last_week),
        "companies": s.companies,
        "companies_onboarded": s.companies_onboarded,
    }


def company(r: CompanyRow) -> dict[str, Any]:
    return {
        "company_id": r.company_id,
        "name": r.name,
        "users": r.users,
        "completed": r.completed,
        "share": r.share,
        "onboarded": r.onboarded,
        "onboarded_at": isoformat(r.onboarded_at),
        "median_seconds": r.median_seconds,
        "last_activity_at": isoformat(r.last_activity_at),
    }


def company_page(p: CompanyPage) -> dict[str, Any]:
    return {
        "data": [company(r) for r in p.rows],
        "total": p.total,
        "page": p.page,
        "per_page": p.per_page,
        "sort": p.sort,
        "order": "desc" if p.descending else "asc",
        "q": p.search,
    }


def cohort(c: CohortRow) -> dict[str, Any]:
    return {
        "week_start": c.week_start.isoformat(),
        "users": c.users,
        "completed_by_week": c.completed_by_week,
    }


def funnel_step(s: FunnelStep) -> dict[str, Any]:
    return {
        "step_id": s.step_id,
        "title": s.title,
        "shown": s.shown,
        "advanced": s.advanced,
        "dismissed": s.dismissed,
        "target_missing": s.target_missing,
    }


def item(i: ItemRate) -> dict[str, Any]:
    return {
        "item_id": i.item_id,
        "title": i.title,
        "completed": i.completed,
        "audience": i.audience,
        "rate": i.rate,
    }


def activity_point(a: ActivityPoint) -> dict[str, Any]:
    return {
        "start": a.start.isoformat(),
        "active_users": a.active_users,
        "known_users": a.known_users,
    }


def usage(u: FeatureUsage) -> dict[str, Any]:
    return {
        "event": u.event,
        "users": u.users,
        "of_users": u.of_users,
        "rate": u.users / u.of_users if u.of_users else None,
    }


def comment(c: SurveyComment) -> dict[str, Any]:
    return {
        "user_id": c.user_id,
        "company_id": c.company_id,
        "company_name": c.company_name,
        "rating": c.rating,
        "comment": c.comment,
        "answered_at": isoformat(c.answered_at),
    }


def survey(s: SurveyResult) -> dict[str, Any]:
    return {
        "checklist": s.checklist,
        "title": s.title,
        "answers": s.answers,
        "mean": s.mean,
        "distribution": {str(rating): count for rating, count in s.distribution.items()},
        "comments": [comment(c) for c in s.comments],
    }


def survey_comment_rows(results: list[SurveyResult]) -> list[dict[str, Any]]:
    """The CSV of surveys: one row per comment, with its checklist."""
    return [{"checklist": s.checklist, **comment(c)} for s in results for c in s.comments]


def stuck_user(s: StuckUser) -> dict[str, Any]:
    return {
        "user_id": s.user_id,
        "company_id": s.company_id,
        "company_name": s.company_name,
        "parts_done": s.parts_done,
        "last_progress_at": isoformat(s.last_progress_at),
        "contact": s.contact,
    }


def stuck_company(s: StuckCompany) -> dict[str, Any]:
    return {
        "company_id": s.company_id,
        "name": s.name,
        "users": s.users,
        "completed": s.completed,
        "last_activity_at": isoformat(s.last_activity_at),
        "contact": s.contact,
    }


def backfill(b: BackfillState) -> dict[str, Any]:
    return {
        "kind": b.kind,
        "key": b.key,
        "version": b.version,
        "state": b.state,
        "done_users": b.done_users,
        "total_users": b.total_users,
        "created_at": isoformat(b.created_at),
        "finished_at": isoformat(b.finished_at),
    }
