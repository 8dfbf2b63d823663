"""Hand-built KPI figures for the console's tests: `FakeKpis` stands in for every query of
services/kpis.py, patched at the module attribute the console calls (`kpis.summary`, …), so
the tests keep passing once the real queries land.

The figures depend on the filter (a segment or a date range shrinks them) so that a test can
see a filter change every number; names hold markup and spreadsheet formulas to check that
neither ever gets through."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from shirube.errors import NotFound
from shirube.services import kpis
from shirube.services.kpi_model import (
    ActivityPoint,
    BackfillState,
    CohortRow,
    CompanyPage,
    CompanyRow,
    FeatureUsage,
    FunnelStep,
    ItemRate,
    KpiFilter,
    Objective,
    ObjectiveKind,
    StuckCompany,
    StuckUser,
    Summary,
    SurveyComment,
    SurveyResult,
    WeekFigure,
)

EVIL_COMPANY = '<script>alert("x")</script> "Acme" & Co'
FORMULA_COMPANY = '=HYPERLINK("http://evil.example","click")'
EVIL_COMMENT = '<img src=x onerror=alert(1)> "great"'
QUERIES = (
    "list_objectives", "find_objective", "summary", "companies", "cohorts",
    "summary_and_cohorts", "funnel", "item_rates", "activity", "feature_usage", "surveys", "stuck_users", "stuck_companies",
    "backfills", "resolve_segment", "overview",
)  # fmt: skip
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday


def _scale(filt: KpiFilter) -> int:
    """4 without a filter; a segment makes it 2, a date range 1 less."""
    n = 4
    if filt.user_traits or filt.company_traits:
        n = 2
    if filt.first_seen_from or filt.first_seen_to:
        n -= 1
    return max(n, 1)


def _companies(n: int) -> list[CompanyRow]:
    names = [EVIL_COMPANY, FORMULA_COMPANY, "株式会社みなと", None, "-2+3", "@SUM(A1)"]
    rows = []
    for i, name in enumerate(names * 5):
        users = 10 * n + i
        done = (7 * n + i) % (users + 1)
        rows.append(
            CompanyRow(
                company_id=f"c{i:02d}",
                name=name,
                users=users,
                completed=done,
                onboarded_at=T0 + timedelta(days=i) if done * 2 > users else None,
                median_seconds=None if done == 0 else 3600.0 * (i + 1) + 240,
                last_activity_at=T0 + timedelta(hours=i),
            )
        )
    return rows


@dataclass
class FakeKpis:
    locale_names: dict[str, str] = field(
        default_factory=lambda: {"en": "Admin onboarded", "ja": "管理者のオンボーディング完了"}
    )
    objectives_published: bool = True
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in QUERIES:
            monkeypatch.setattr(kpis, name, getattr(self, name))

    def filters(self, query: str) -> list[KpiFilter]:
        return [c["filt"] for name, c in self.calls if name == query and "filt" in c]

    def _objectives(self, locale: str) -> list[Objective]:
        if not self.objectives_published:
            return []
        return [
            Objective("goal", "admin-onboarded", self.locale_names[locale], 3),
            Objective("checklist", "admin-setup", "Setup " + EVIL_COMPANY, 2),
            Objective("tour", "welcome", "Welcome tour", 1),
        ]

    def list_objectives(self, conn: Any, workspace_id: int, locale: str) -> list[Objective]:
        self.calls.append(("list_objectives", {"locale": locale}))
        return self._objectives(locale)

    def find_objective(
        self, conn: Any, workspace_id: int, kind: ObjectiveKind, key: str, locale: str
    ) -> Objective:
        self.calls.append(("find_objective", {"kind": kind, "key": key}))
        for objective in self._objectives(locale):
            if (objective.kind, objective.key) == (kind, key):
                return objective
        raise NotFound("objective")

    def summary(
        self, conn: Any, workspace_id: int, objective: Objective, filt: KpiFilter, now: datetime
    ) -> Summary:
        self.calls.append(("summary", {"filt": filt, "objective": objective}))
        n = _scale(filt)
        return Summary(
            objective=objective,
            audience=50 * n,
            started=40 * n,
            completed=20 * n + 1,
            p50_seconds=3 * 86400 + 4 * 3600 + 120.0 * n,
            p90_seconds=45 * 60.0 * n,
            incomplete_after={7: 0.5, 14: 0.25 / n, 30: None},
            this_week=WeekFigure(date(2026, 11, 23), 10 * n, 4 * n - 1),
            last_week=WeekFigure(date(2026, 11, 16), 10 * n, 3 * n),
            companies=12 * n,
            companies_onboarded=5 * n,
        )

    def companies(
        self, conn: Any, workspace_id: int, objective: Objective, filt: KpiFilter, **kw: Any
    ) -> CompanyPage:
        self.calls.append(("companies", {"filt": filt, **kw}))
        rows = _companies(_scale(filt))
        if kw.get("search"):
            rows = [r for r in rows if kw["search"] in (r.name or "") + r.company_id]
        page, per_page = kw.get("page", 1), kw.get("per_page", 50)
        return CompanyPage(
            rows=rows[(page - 1) * per_page : page * per_page],
            total=len(rows),
            page=page,
            per_page=per_page,
            sort=kw.get("sort", "users"),
            descending=kw.get("descending", True),
            search=kw.get("search"),
        )

    def cohorts(
        self, conn: Any, workspace_id: int, objective: Objective, filt: KpiFilter,
        now: datetime, weeks: int = 12,
    ) -> list[CohortRow]:  # fmt: skip
        self.calls.append(("cohorts", {"filt": filt, "weeks": weeks}))
        n = _scale(filt)
        rows = []
        for i in range(4):
            users = 0 if i == 2 else 10 * n + i  # a week with nobody: no rate
            done = [min(users, (k + 1) * n * 2) for k in range(4 - i)]
            rows.append(CohortRow(date(2026, 11, 2) + timedelta(weeks=i), users, done))
        return rows

    def summary_and_cohorts(
        self, conn: Any, workspace_id: int, objective: Objective, filt: KpiFilter,
        now: datetime, weeks: int = 12,
    ) -> tuple[Summary, list[CohortRow]]:  # fmt: skip
        # Recorded as the two queries it answers (one pass in the database).
        return (
            self.summary(conn, workspace_id, objective, filt, now),
            self.cohorts(conn, workspace_id, objective, filt, now, weeks),
        )

    def overview(
        self, conn: Any, workspace_id: int, objective: Objective, filt: KpiFilter,
        now: datetime, weeks: int = 12, locale: str = "en",
    ) -> tuple[Summary, list[CohortRow], list[ItemRate] | None]:  # fmt: skip
        # Recorded as the queries it answers (one pass in the database).
        figures, rows = self.summary_and_cohorts(conn, workspace_id, objective, filt, now, weeks)
        if objective.kind != "goal":
            return figures, rows, None
        return figures, rows, self.item_rates(conn, workspace_id, objective, filt, locale)

    def funnel(
        self, conn: Any, workspace_id: int, tour_key: str, filt: KpiFilter
    ) -> list[FunnelStep]:
        self.calls.append(("funnel", {"filt": filt, "tour": tour_key}))
        n = _scale(filt)
        return [
            FunnelStep("intro", "はじめに", 100 * n, 80 * n, 15 * n, 0),
            FunnelStep("import", EVIL_COMPANY, 80 * n, 50 * n, 20 * n, 5 * n),
            FunnelStep("done", "", 0, 0, 0, 0),
        ]

    def item_rates(
        self, conn: Any, workspace_id: int, objective: Objective, filt: KpiFilter,
        locale: str = "en", total: int | None = None,
    ) -> list[ItemRate]:  # fmt: skip
        self.calls.append(("item_rates", {"filt": filt}))
        n = _scale(filt)
        return [
            ItemRate("import", "従業員をインポート", 30 * n, 50 * n),
            ItemRate("rules", "Set work rules", 10 * n, 50 * n),
            ItemRate("empty", "Nobody yet", 0, 0),
        ]

    def activity(
        self, conn: Any, workspace_id: int, filt: KpiFilter, start: date, end: date, period: str
    ) -> list[ActivityPoint]:
        self.calls.append(
            ("activity", {"filt": filt, "start": start, "end": end, "period": period})
        )
        n = _scale(filt)
        step = timedelta(weeks=1) if period == "week" else timedelta(days=1)
        points, day, i = [], start, 0
        while day <= end and i < 12:
            points.append(ActivityPoint(day, 5 * n + i, 20 * n + 2 * i))
            day, i = day + step, i + 1
        return points

    def feature_usage(
        self, conn: Any, workspace_id: int, events: list[str], filt: KpiFilter
    ) -> list[FeatureUsage]:
        self.calls.append(("feature_usage", {"filt": filt, "events": events}))
        n = _scale(filt)
        return [FeatureUsage(e, (3 * i + 1) * n, 20 * n) for i, e in enumerate(events)]

    def surveys(
        self, conn: Any, workspace_id: int, filt: KpiFilter, checklist: str | None = None
    ) -> list[SurveyResult]:
        self.calls.append(("surveys", {"filt": filt, "checklist": checklist}))
        n = _scale(filt)
        distribution = {1: 1, 2: 0, 3: 2 * n, 4: 4 * n, 5: 3 * n}
        answers = sum(distribution.values())
        mean = sum(r * c for r, c in distribution.items()) / answers
        comments = [
            SurveyComment("u-1", "c00", EVIL_COMPANY, 5, EVIL_COMMENT, T0),
            SurveyComment("u-2", None, None, 1, "=1+2", T0 + timedelta(hours=1)),
        ]
        return [SurveyResult("admin-setup", "初期設定は問題なく完了しましたか?", answers, mean,
                             distribution, comments)]  # fmt: skip

    def stuck_users(
        self, conn: Any, workspace_id: int, objective: Objective, filt: KpiFilter, days: int,
        now: datetime, limit: int = 100,
    ) -> list[StuckUser]:  # fmt: skip
        self.calls.append(("stuck_users", {"filt": filt, "days": days}))
        return [
            StuckUser("u-7", "c00", EVIL_COMPANY, 1, now - timedelta(days=days + 2, hours=3),
                      {"email": "hana@example.jp", "phone": "+81 3 1234 5678"}),
            StuckUser("u-8", None, None, 0, now - timedelta(days=days, minutes=45), {}),
        ][: _scale(filt)]  # fmt: skip

    def stuck_companies(
        self, conn: Any, workspace_id: int, objective: Objective, filt: KpiFilter, days: int,
        now: datetime, limit: int = 100,
    ) -> list[StuckCompany]:  # fmt: skip
        self.calls.append(("stuck_companies", {"filt": filt, "days": days}))
        return [StuckCompany("c01", FORMULA_COMPANY, 12, 2, now - timedelta(days=days + 1),
                             {"champion": "@admin"})]  # fmt: skip

    def backfills(self, conn: Any, workspace_id: int) -> list[BackfillState]:
        self.calls.append(("backfills", {}))
        return [
            BackfillState("goal", "admin-onboarded", 3, "running", 1200, 5000, T0, None),
            BackfillState("tour", "welcome", 1, "done", 0, 0, T0, T0 + timedelta(minutes=2)),
        ]

    def resolve_segment(self, conn: Any, workspace_id: int, filt: KpiFilter) -> KpiFilter:
        return filt  # the fake figures read no users


@pytest.fixture
def fake_kpis(monkeypatch: pytest.MonkeyPatch) -> FakeKpis:
    fake = FakeKpis()
    fake.install(monkeypatch)
    return fake
