"""The figures counted in the database (summary, cohorts, per-company medians under a user
filter) against a brute-force count in Python of the same random rows: times with
microseconds, completions stamped before the first seen (a skewed clock), completions exactly
N days after the first seen, users on week boundaries; both engines."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest
from shirube.services import kpis
from shirube.services.kpi_model import INCOMPLETE_AFTER_DAYS, KpiFilter, Objective

from tests.services.kpi_rows import NOW, KpiRows

SETUP = Objective("checklist", "setup", "Set up", 1)
ADMINS = KpiFilter(user_traits={"role": "admin"})
Row = tuple[str, str, datetime, datetime | None, datetime | None, bool]


def _week_start(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _rank(ordered: list[float], percent: int) -> float | None:
    return ordered[max(1, -(-percent * len(ordered) // 100)) - 1] if ordered else None


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


@pytest.fixture
def users(database, workspace) -> list[Row]:
    """(user, company, first seen, started, completed, admin) of 80 random audience users."""
    rng = random.Random(7)
    rows = KpiRows(database, workspace.id)
    made: list[Row] = []
    monday = _midnight(_week_start(NOW))
    for c in range(4):
        rows.company(f"c{c}", name=f"C{c}")
    for n in range(80):
        if n % 10 == 0:
            first = monday - timedelta(days=7 * rng.randrange(14))  # on a week boundary
        else:
            first = NOW - timedelta(days=90 * rng.random(), microseconds=rng.randrange(10**6))
        shape = rng.randrange(5)
        completed: datetime | None
        if shape == 0:
            completed = None
        elif shape == 1:  # exactly N days after: not late for N
            completed = first + timedelta(days=rng.choice(INCOMPLETE_AFTER_DAYS))
        elif shape == 2:  # a skewed clock: before the first seen
            completed = first - timedelta(hours=rng.randrange(1, 200))
        else:
            completed = first + timedelta(seconds=rng.randrange(40 * 86400), microseconds=n)
        if completed is not None and completed > NOW:
            completed = None
        started = None if completed is None and n % 3 else first + timedelta(minutes=1)
        admin = n % 2 == 0
        company = f"c{n % 4}"
        uid = f"u{n:02d}"
        rows.user(uid, first, companies=(company,), role="admin" if admin else "member")
        rows.kpi_user("checklist", "setup", uid, started=started, completed=completed, parts=1)
        made.append((uid, company, first, started, completed, admin))
    rows.kpi_user("checklist", "setup", "nobody", in_audience=False)
    return made


def _run(database, workspace, work):
    return database.run_sync(lambda conn: work(conn, workspace.id))


@pytest.mark.parametrize("admins_only", [False, True])
def test_summary_equals_the_count_in_python(database, workspace, users, admins_only):
    kept = [u for u in users if u[5] or not admins_only]
    filt = ADMINS if admins_only else KpiFilter()
    s = _run(database, workspace, lambda conn, ws: kpis.summary(conn, ws, SETUP, filt, NOW))
    durations = sorted(_seconds(f, c) for _, _, f, _, c, _ in kept if c is not None)
    assert (s.audience, s.completed) == (len(kept), len(durations))
    assert s.started == sum(1 for *_, st, c, _ in kept if st is not None or c is not None)
    assert (s.p50_seconds, s.p90_seconds) == (_rank(durations, 50), _rank(durations, 90))
    for days in INCOMPLETE_AFTER_DAYS:
        span = timedelta(days=days)
        old = [(f, c) for _, _, f, _, c, _ in kept if f <= NOW - span]
        late = sum(1 for f, c in old if c is None or c > f + span)
        assert s.incomplete_after[days] == (late / len(old) if old else None)
    this = _week_start(NOW)
    for week, monday in ((s.this_week, this), (s.last_week, this - timedelta(days=7))):
        cohort = [c for _, _, f, _, c, _ in kept if _week_start(f) == monday]
        assert (week.users, week.completed) == (len(cohort), sum(c is not None for c in cohort))


def test_cohorts_equal_the_count_in_python(database, workspace, users):
    rows = _run(database, workspace, lambda conn, ws: kpis.cohorts(conn, ws, SETUP, ADMINS, NOW))
    this = _week_start(NOW)
    assert len(rows) == 12 and rows[-1].week_start == this
    for row in rows:
        cohort = [c for _, _, f, _, c, admin in users if admin and _week_start(f) == row.week_start]
        ends = [
            _midnight(row.week_start + timedelta(days=7 * (n + 1)))
            for n in range((this - row.week_start).days // 7 + 1)
        ]
        assert row.users == len(cohort)
        assert row.completed_by_week == [
            sum(1 for c in cohort if c is not None and c < end) for end in ends
        ]


def test_company_medians_under_a_user_filter_equal_the_count_in_python(database, workspace, users):
    page = _run(
        database, workspace, lambda conn, ws: kpis.companies(conn, ws, SETUP, ADMINS, sort="name")
    )
    for row in page.rows:
        mine = [u for u in users if u[1] == row.company_id and u[5]]
        durations = sorted(_seconds(f, c) for _, _, f, _, c, _ in mine if c is not None)
        assert (row.users, row.completed) == (len(mine), len(durations))
        assert row.median_seconds == _rank(durations, 50)


def test_a_company_trait_keeps_a_user_of_several_companies_once(
    database, workspace, other_workspace
):
    rows = KpiRows(database, workspace.id)
    rows.company("pro-1", plan="pro")
    rows.company("pro-2", plan="pro")
    rows.company("free", plan="free")
    first = NOW - timedelta(days=3)
    rows.user("both", first, companies=("pro-1", "pro-2"))
    rows.user("mixed", first, companies=("free", "pro-2"))
    rows.user("free-only", first, companies=("free",))
    for uid in ("both", "mixed", "free-only"):
        rows.kpi_user("checklist", "setup", uid)
    # Another workspace's company of the same id and trait keeps nobody here.
    other = KpiRows(database, other_workspace.id)
    other.company("free", plan="pro")
    pro = KpiFilter(company_traits={"plan": "pro"})
    s = _run(database, workspace, lambda conn, ws: kpis.summary(conn, ws, SETUP, pro, NOW))
    assert (s.audience, s.started) == (2, 0)
