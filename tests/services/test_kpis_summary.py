"""The headline figures and cohorts of an objective, against the hand-built rows of
tests/services/kpi_rows.onboarding (every number below is counted from them)."""

from __future__ import annotations

from datetime import date

import pytest
from shirube.errors import NotFound
from shirube.services import kpis
from shirube.services.kpi_model import KpiFilter, Objective, WeekFigure

from tests.services.kpi_rows import NOW, KpiRows, onboarding

SETUP = Objective("checklist", "setup", "Set up", 1)


@pytest.fixture
def run(database, workspace):
    onboarding(KpiRows(database, workspace.id))

    def run(work):
        return database.run_sync(lambda conn: work(conn, workspace.id))

    return run


def test_summary_counts_the_audience(run):
    s = run(lambda conn, ws: kpis.summary(conn, ws, SETUP, KpiFilter(), NOW))
    # u1, u2, u3, u4, u6 (u5 is outside the audience); u4 never started.
    assert (s.audience, s.started, s.completed, s.never_started) == (5, 4, 3, 1)
    assert s.rate == 3 / 5
    # Times to completion: u6 1 h, u3 1 day, u1 10 days; nearest rank: 2nd and 3rd of 3.
    assert (s.p50_seconds, s.p90_seconds) == (86400.0, 864000.0)
    # 7 days: u1 (10 d), u2, u4 late of u1, u2, u4, u6; 14 days: u2 of u1, u2; 30: nobody.
    assert s.incomplete_after == {7: 0.75, 14: 0.5, 30: None}
    assert s.this_week == WeekFigure(date(2026, 3, 2), 1, 1)
    assert s.last_week == WeekFigure(date(2026, 2, 23), 2, 1)
    assert (s.companies, s.companies_onboarded) == (2, 1)


def test_percentiles_are_exact_seconds(run, database, workspace):
    from datetime import timedelta

    from tests.services.kpi_rows import days_ago

    rows = KpiRows(database, workspace.id)
    rows.user("u7", days_ago(1))
    rows.kpi_user("checklist", "setup", "u7", completed=days_ago(1) + timedelta(microseconds=1500))
    s = run(lambda conn, ws: kpis.summary(conn, ws, SETUP, KpiFilter(), NOW))
    # 0.0015 s, 1 h, 1 day, 10 days: p50 is the 2nd, p90 the 4th.
    assert (s.p50_seconds, s.p90_seconds) == (3600.0, 864000.0)
    low = run(lambda conn, ws: kpis.summary(conn, ws, SETUP, KpiFilter(user_traits={}), NOW))
    assert low.completed == 4


@pytest.mark.parametrize(
    ("filt", "audience", "completed"),
    [
        (KpiFilter(user_traits={"role": "admin"}), 3, 3),  # u1, u3, u6
        (KpiFilter(company_traits={"plan": "pro"}), 2, 1),  # u1, u2
        (KpiFilter(company_traits={"seats": "3"}), 2, 1),  # text equals the number 3
        (KpiFilter(company_traits={"seats": 3}), 2, 1),
        (KpiFilter(company_traits={"seats": "three"}), 0, 0),
        (KpiFilter(user_traits={"beta": "true"}), 1, 1),  # u6's boolean
        (KpiFilter(user_traits={"beta": True}), 1, 1),
        (KpiFilter(user_traits={"role": "admin"}, company_traits={"plan": "free"}), 1, 1),
        (KpiFilter(first_seen_from=date(2026, 2, 24)), 2, 1),  # u3, u4
        (KpiFilter(first_seen_to=date(2026, 2, 23)), 3, 2),  # u1, u2, u6
        (KpiFilter(first_seen_from=date(2026, 2, 23), first_seen_to=date(2026, 2, 23)), 1, 1),
        (KpiFilter(first_seen_from=date(2026, 3, 5), first_seen_to=date(2026, 3, 1)), 0, 0),
        (KpiFilter(user_traits={"no such": "x"}), 0, 0),
        (KpiFilter(user_traits={'a "quoted" name': "x"}), 0, 0),
    ],
)
def test_filters_keep_the_segment(run, filt, audience, completed):
    s = run(lambda conn, ws: kpis.summary(conn, ws, SETUP, filt, NOW))
    assert (s.audience, s.completed) == (audience, completed)


def test_an_empty_audience_has_no_rates(run):
    s = run(
        lambda conn, ws: kpis.summary(conn, ws, SETUP, KpiFilter(user_traits={"role": "x"}), NOW)
    )
    assert s.rate is None and s.p50_seconds is None and s.this_week.rate is None
    assert s.incomplete_after == {7: None, 14: None, 30: None}


@pytest.mark.parametrize(
    "filt",
    [
        KpiFilter(),
        KpiFilter(user_traits={"role": "admin"}),
        KpiFilter(company_traits={"plan": "pro"}),
        KpiFilter(first_seen_from=date(2026, 2, 24)),
        KpiFilter(user_traits={"role": "x"}),
    ],
)
@pytest.mark.parametrize("weeks", [1, 2, 4, 12])
def test_summary_and_cohorts_in_one_pass_equal_each_alone(run, filt, weeks):
    both = run(lambda conn, ws: kpis.summary_and_cohorts(conn, ws, SETUP, filt, NOW, weeks))
    alone = run(
        lambda conn, ws: (
            kpis.summary(conn, ws, SETUP, filt, NOW),
            kpis.cohorts(conn, ws, SETUP, filt, NOW, weeks),
        )
    )
    assert both == alone


def test_cohorts_by_first_seen_week(run):
    rows = run(lambda conn, ws: kpis.cohorts(conn, ws, SETUP, KpiFilter(), NOW, weeks=4))
    assert [(r.week_start, r.users, r.completed_by_week) for r in rows] == [
        # u1, u2 (Thursday 12 Feb): u1 completed on Sunday 22 Feb, in their week 1.
        (date(2026, 2, 9), 2, [0, 1, 1, 1]),
        (date(2026, 2, 16), 0, [0, 0, 0]),
        # u4, u6: u6 completed the day they came.
        (date(2026, 2, 23), 2, [1, 1]),
        (date(2026, 3, 2), 1, [1]),
    ]


def test_objectives_and_unknown_ones(run):
    listed = run(lambda conn, ws: kpis.list_objectives(conn, ws, "ja"))
    assert [(o.kind, o.key, o.name) for o in listed] == [
        ("checklist", "setup", "初期設定"),
        ("tour", "welcome", "Welcome tour"),
    ]
    with pytest.raises(NotFound):
        run(lambda conn, ws: kpis.find_objective(conn, ws, "goal", "setup", "en"))
