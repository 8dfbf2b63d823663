"""The per-company table, funnels, item rates, feature usage, surveys, stuck users and
companies and backfills, against tests/services/kpi_rows.onboarding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from shirube.services import kpis
from shirube.services.kpi_model import KpiFilter, Objective

from tests.services.kpi_rows import NOW, KpiRows, days_ago, onboarding

SETUP = Objective("checklist", "setup", "Set up", 1)
WELCOME = Objective("tour", "welcome", "Welcome tour", 1)


@pytest.fixture
def rows(database, workspace):
    rows = KpiRows(database, workspace.id)
    onboarding(rows)
    return rows


@pytest.fixture
def run(rows, database, workspace):
    def run(work):
        return database.run_sync(lambda conn: work(conn, workspace.id))

    return run


NO_FILTER = KpiFilter()


def _companies(run, filt=NO_FILTER, **kwargs):
    page = run(lambda conn, ws: kpis.companies(conn, ws, SETUP, filt, **kwargs))
    return page, [(r.company_id, r.users, r.completed) for r in page.rows]


def test_every_company_is_listed_with_its_figures(run):
    page, listed = _companies(run)
    assert page.total == 3
    assert listed == [("c1", 2, 1), ("c2", 2, 1), ("c3", 0, 0)]
    c2 = page.rows[1]
    assert (c2.name, c2.share, c2.onboarded, c2.median_seconds) == ("=Bobco", 0.5, True, 86400.0)


@pytest.mark.parametrize(
    ("sort", "descending", "order"),
    [
        ("name", False, ["c2", "c1", "c3"]),  # "=Bobco", "Acme", "Cleo"
        ("name", True, ["c3", "c1", "c2"]),
        ("onboarded_at", True, ["c2", "c1", "c3"]),  # never onboarded last, either way
        ("onboarded_at", False, ["c2", "c1", "c3"]),
        ("median", False, ["c2", "c1", "c3"]),
        ("activity", True, ["c2", "c1", "c3"]),
        ("share", True, ["c1", "c2", "c3"]),  # ties by id
        ("users", False, ["c3", "c1", "c2"]),
        ("completed", True, ["c1", "c2", "c3"]),
    ],
)
def test_sorting(run, sort, descending, order):
    page, _ = _companies(run, sort=sort, descending=descending)
    assert [r.company_id for r in page.rows] == order


def test_search_and_pages(run):
    assert _companies(run, search="acme 勤")[1] == [("c1", 2, 1)]
    assert _companies(run, search="C3")[1] == [("c3", 0, 0)]
    page, listed = _companies(run, page=2, per_page=2, sort="name", descending=True)
    assert (page.total, listed) == (3, [("c2", 2, 1)])


def test_a_user_filter_recomputes_the_companies(run):
    page, listed = _companies(run, KpiFilter(user_traits={"role": "admin"}))
    assert listed == [("c1", 1, 1), ("c2", 1, 1), ("c3", 0, 0)]
    # u1 alone in c1: 10 days; c2 stays onboarded (the company rule is the company's).
    assert page.rows[0].median_seconds == 864000.0 and page.rows[1].onboarded
    _, listed = _companies(run, KpiFilter(company_traits={"plan": "free"}))
    assert listed == [("c2", 2, 1)]


def test_user_and_company_traits_together(rows, run):
    """A user segment with a company segment (resolved once on SQLite, as one list of users):
    an admin of a pro and a free company counts in the pro company only, and the free company
    is not listed, as on PostgreSQL where each statement evaluates the traits."""
    rows.user("u7", days_ago(5), companies=("c1", "c2"), role="admin")
    rows.kpi_user("checklist", "setup", "u7", started=days_ago(5), completed=days_ago(4), parts=2)
    admins = KpiFilter(user_traits={"role": "admin"})
    assert _companies(run, admins)[1] == [("c1", 2, 2), ("c2", 2, 2), ("c3", 0, 0)]
    both = KpiFilter(user_traits={"role": "admin"}, company_traits={"plan": "pro"})
    assert _companies(run, both)[1] == [("c1", 2, 2)]
    figures = run(lambda conn, ws: kpis.summary(conn, ws, SETUP, both, NOW))
    assert (figures.audience, figures.completed, figures.companies) == (2, 2, 1)
    # The dashboard's overview: the same figures from its fewer passes.
    overview = run(lambda conn, ws: kpis.overview(conn, ws, SETUP, both, NOW))
    assert overview[0] == figures and overview[2] is None
    usage = run(lambda conn, ws: kpis.feature_usage(conn, ws, ["nothing.sent"], both))
    assert usage[0].of_users == 2


def test_funnel(rows, run):
    for user in ("u1", "u2", "u3"):
        rows.step_seen(user, "welcome", "s1")
    rows.step_seen("u1", "welcome", "s2")
    rows.step_seen("u1", "welcome", "s3")
    rows.step_seen("u2", "welcome", "s2")
    rows.step_seen("u4", "welcome", "s3")  # came in at the last step (a page of its own)
    rows.tour_progress("u1", "welcome", "completed", days_ago(1))
    rows.event("u2", "$tour_dismissed", {"tour": "welcome", "step": "s2"})
    rows.event("u2", "$tour_dismissed", {"tour": "welcome", "step": "s2"})
    rows.event("u3", "$tour_dismissed", {"tour": "other", "step": "s2"})
    rows.event("u3", "$target_missing", {"tour": "welcome", "step": "s2", "selector": "#x"})
    steps = run(lambda conn, ws: kpis.funnel(conn, ws, "welcome", KpiFilter()))
    assert [
        (s.step_id, s.title, s.shown, s.advanced, s.dismissed, s.target_missing) for s in steps
    ] == [
        ("s1", "Hello", 3, 2, 0, 0),
        ("s2", "Menu", 2, 1, 1, 1),
        ("s3", "Done", 2, 1, 0, 0),
    ]
    admins = run(
        lambda conn, ws: kpis.funnel(conn, ws, "welcome", KpiFilter(user_traits={"role": "admin"}))
    )
    assert [(s.shown, s.advanced, s.target_missing) for s in admins] == [
        (2, 1, 0),
        (1, 1, 1),
        (1, 1, 0),
    ]


def test_item_rates(rows, run):
    items = run(lambda conn, ws: kpis.item_rates(conn, ws, SETUP, KpiFilter()))
    # u5 did `import` but is outside the audience.
    assert [(i.item_id, i.title, i.completed, i.audience) for i in items] == [
        ("import", "Import employees", 4, 5),
        ("rules", "Set work rules", 3, 5),
    ]


def test_feature_usage(rows, run):
    rows.event("u1", "shift.created")
    rows.event("u1", "shift.created")
    rows.event("u2", "shift.created")
    rows.event("u3", "csv.imported")
    used = run(
        lambda conn, ws: kpis.feature_usage(
            conn, ws, ["shift.created", "csv.imported", "none"], KpiFilter()
        )
    )
    assert [(u.event, u.users, u.of_users) for u in used] == [
        ("shift.created", 2, 6),
        ("csv.imported", 1, 6),
        ("none", 0, 6),
    ]
    pro = run(
        lambda conn, ws: kpis.feature_usage(
            conn, ws, ["shift.created"], KpiFilter(company_traits={"plan": "pro"})
        )
    )
    assert [(u.users, u.of_users) for u in pro] == [(2, 2)]


def test_surveys(rows, run):
    rows.survey("u1", "setup", 5, "とても簡単", days_ago(2))
    rows.survey("u3", "setup", 2, "Could not find the import", days_ago(1))
    rows.survey("u6", "setup", 4, None, days_ago(1))
    (result,) = run(lambda conn, ws: kpis.surveys(conn, ws, KpiFilter()))
    assert (result.checklist, result.title, result.answers) == ("setup", "Did setup go well?", 3)
    assert result.mean == pytest.approx(11 / 3)
    assert result.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert [(c.user_id, c.company_id, c.company_name, c.rating) for c in result.comments] == [
        ("u3", "c2", "=Bobco", 2),
        ("u1", "c1", "Acme 勤怠", 5),
    ]
    (admins,) = run(
        lambda conn, ws: kpis.surveys(conn, ws, KpiFilter(company_traits={"plan": "free"}), "setup")
    )
    assert admins.answers == 1


def test_stuck_users_with_contacts(run):
    stuck = run(lambda conn, ws: kpis.stuck_users(conn, ws, SETUP, KpiFilter(), 7, NOW))
    # u2: last progress 19 days ago; u4: nothing done, first seen 8 days ago.
    assert [
        (s.user_id, s.company_id, s.parts_done, s.last_progress_at, s.contact) for s in stuck
    ] == [
        ("u2", "c1", 1, days_ago(19), {}),
        ("u4", "c2", 0, days_ago(8), {"name": "Yui"}),
    ]
    assert (
        run(lambda conn, ws: kpis.stuck_users(conn, ws, SETUP, KpiFilter(), 10, NOW))[0].user_id
        == "u2"
    )
    assert (
        len(run(lambda conn, ws: kpis.stuck_users(conn, ws, SETUP, KpiFilter(), 7, NOW, limit=1)))
        == 1
    )


def test_stuck_companies(run):
    stuck = run(lambda conn, ws: kpis.stuck_companies(conn, ws, SETUP, KpiFilter(), 2, NOW))
    assert [(s.company_id, s.name, s.users, s.completed, s.contact) for s in stuck] == [
        ("c1", "Acme 勤怠", 2, 1, {"email": "ops@acme.example", "name": "Acme 勤怠"}),
    ]
    assert run(lambda conn, ws: kpis.stuck_companies(conn, ws, SETUP, KpiFilter(), 4, NOW)) == []


def test_backfills_latest_per_published_objective(rows, run):
    old = datetime(2026, 3, 1, tzinfo=UTC)
    rows.job("checklist", "setup", version=1, created=old, done=6, total=6, finished=old)
    rows.job("checklist", "setup", version=2, state="running", done=2, total=6, created=NOW)
    rows.job("tour", "welcome", created=old - timedelta(days=1), done=6, total=6)
    rows.job("tour", "gone", created=NOW)
    jobs = run(lambda conn, ws: kpis.backfills(conn, ws))
    assert [(j.kind, j.key, j.version, j.state, j.done_users) for j in jobs] == [
        ("checklist", "setup", 2, "running", 2),
        ("tour", "welcome", 1, "done", 6),
    ]


def test_workspaces_are_apart(run, database, other_workspace):
    other = database.run_sync(
        lambda conn: kpis.companies(conn, other_workspace.id, SETUP, KpiFilter())
    )
    assert other.total == 0
    assert (
        database.run_sync(lambda conn: kpis.list_objectives(conn, other_workspace.id, "en")) == []
    )


def test_activity_by_day_and_week(rows, run):
    from datetime import date

    rows.active("u1", "2026-03-02")
    rows.active("u3", "2026-03-03")
    rows.active("u6", "2026-02-24")
    # Active means active time: an event alone (no `$active` heartbeat) is not.
    rows.event("u2", "clicked", at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    days = run(
        lambda conn, ws: kpis.activity(
            conn, ws, KpiFilter(), date(2026, 3, 1), date(2026, 3, 3), "day"
        )
    )
    # Known: u1, u2, u5 (12 Feb), u6 (23 Feb), u4 (24 Feb); u3 on 2 March.
    assert [(p.start, p.active_users, p.known_users) for p in days] == [
        (date(2026, 3, 1), 0, 5),
        (date(2026, 3, 2), 1, 6),
        (date(2026, 3, 3), 1, 6),
    ]
    weeks = run(
        lambda conn, ws: kpis.activity(
            conn,
            ws,
            KpiFilter(user_traits={"role": "admin"}),
            date(2026, 2, 25),
            date(2026, 3, 3),
            "week",
        )
    )
    assert [(p.start, p.active_users, p.known_users) for p in weeks] == [
        (date(2026, 2, 23), 1, 3),  # u6 active; u1, u5, u6 known by Sunday 1 March
        (date(2026, 3, 2), 2, 4),
    ]


def test_a_week_counts_a_user_active_on_several_days_once(rows, run):
    from datetime import date

    for day in ("2026-03-02", "2026-03-03", "2026-03-08"):
        rows.active("u1", day)
    rows.active("u2", "2026-03-09")  # the next ISO week
    weeks = run(
        lambda conn, ws: kpis.activity(
            conn, ws, KpiFilter(), date(2026, 3, 2), date(2026, 3, 9), "week"
        )
    )
    assert [(p.start, p.active_users) for p in weeks] == [
        (date(2026, 3, 2), 1),
        (date(2026, 3, 9), 1),
    ]
