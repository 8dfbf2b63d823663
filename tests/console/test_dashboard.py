"""The KPI dashboard pages (one per view) and their CSV downloads, over hand-built figures
(kpi_fake.py): who may read them, strict filter parameters, every table equal to its CSV,
escaping, and the English and Japanese labels. The views themselves: test_dashboard_views.py."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest
from shirube.console.dashboard_labels import DASHBOARD
from shirube.console.dashboard_tables import TABLE_PARTS
from shirube.console.headers import HEADERS
from shirube.services.kpi_model import KpiFilter
from shirube.storage import Database
from shirube.timeutil import utcnow
from starlette.testclient import TestClient

from tests.conftest import WorkspaceKeys
from tests.console.conftest import make_admin, sign_in
from tests.console.dashboard_html import csv_rows, tables_of, unguarded
from tests.console.kpi_fake import EVIL_COMMENT, EVIL_COMPANY, FakeKpis

pytestmark = pytest.mark.usefixtures("fake_kpis")
EVENTS = "employees_imported,clock_in"
JA = {"Accept-Language": "ja,en;q=0.5"}
# Each view's tables and charts: together every table of the dashboard, each on one view.
VIEW_TABLES = {
    "overview": {"summary", "trend", "cohorts", "steps"},
    "companies": {"companies", "stuck_companies"},
    "people": {"stuck_users"},
    "usage": {"activity", "features"},
    "surveys": {"survey_scores", "survey_comments"},
    "recomputation": {"backfills"},
}
VIEW_CHARTS = {
    "overview": {"trend", "cohorts", "steps"},
    "usage": {"activity", "features"},
    "surveys": {"survey-0"},
}


def _path(workspace: WorkspaceKeys, tail: str = "") -> str:
    return f"/console/workspaces/{workspace.id}/dashboard{tail}"


@pytest.fixture
def viewer(client: TestClient, database: Database, workspace: WorkspaceKeys) -> TestClient:
    make_admin(database, "lead@example.com", {workspace.id: "viewer"})
    sign_in(client, "lead@example.com")
    return client


def test_a_viewer_reads_every_section_with_a_chart_beside_each_table(
    viewer: TestClient, workspace: WorkspaceKeys
) -> None:
    seen: set[str] = set()
    for view, keys in VIEW_TABLES.items():
        page = viewer.get(_path(workspace), params={"view": view, "events": EVENTS})
        assert page.status_code == 200, view
        for name, value in HEADERS.items():
            assert page.headers[name] == value
        assert set(tables_of(page.text)) == keys, view
        charts = set(re.findall(r'<svg[^>]* id="chart-([\w-]+)"', page.text))
        assert charts == VIEW_CHARTS.get(view, set()), view
        seen |= keys
    assert seen == set(TABLE_PARTS)
    text = viewer.get(_path(workspace)).text  # the overview, by default
    assert "Admin onboarded" in text and 'data-kpi="p50">3 d 4 h<' in text
    assert 'data-kpi="rate">40.5 %<' in text  # 81 of 200
    assert 'data-kpi="delta">+7.5 pts vs last week<' in text  # 15/40 vs 12/40
    assert 'data-kpi="companies_onboarded">20 of 48<' in text
    people = viewer.get(_path(workspace), params={"view": "people"}).text
    assert tables_of(people)["stuck_users"]["body"][0][-1] == (
        "email: hana@example.jp; phone: +81 3 1234 5678"
    )
    # The workspace page links here.
    assert _path(workspace) in viewer.get(f"/console/workspaces/{workspace.id}").text


def test_user_strings_are_escaped(viewer: TestClient, workspace: WorkspaceKeys) -> None:
    for view in VIEW_TABLES:
        text = viewer.get(_path(workspace), params={"view": view}).text
        assert "<script>" not in text and "<img" not in text, view
        # The objective named so, in the filter's list.
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &#34;Acme&#34; &amp; Co" in text
    companies = viewer.get(_path(workspace), params={"view": "companies"}).text
    assert tables_of(companies)["companies"]["body"][0][0] == EVIL_COMPANY
    surveys = viewer.get(_path(workspace), params={"view": "surveys"}).text
    assert tables_of(surveys)["survey_comments"]["body"][0][2] == EVIL_COMMENT


def test_every_table_equals_its_csv(
    viewer: TestClient, workspace: WorkspaceKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One moment for the page and the CSVs: times shown to the minute must not straddle one.
    moment = utcnow()
    monkeypatch.setattr("shirube.console.dashboard.utcnow", lambda: moment)
    params = {"events": EVENTS, "sort": "name", "order": "asc", "page": "2"}
    tables = {}
    for view in VIEW_TABLES:
        tables.update(tables_of(viewer.get(_path(workspace), params={**params, "view": view}).text))
    assert set(tables) == set(TABLE_PARTS)
    for key, table in tables.items():
        answer = viewer.get(_path(workspace, f"/{key}.csv"), params=params)
        assert answer.status_code == 200, key
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        assert answer.headers["content-disposition"] == (
            f'attachment; filename="shirube-{workspace.id}-{key}.csv"'
        )
        assert answer.headers["content-security-policy"] == HEADERS["Content-Security-Policy"]
        head, *rows = csv_rows(answer.content)
        assert [[unguarded(c) for c in row] for row in rows] == table["body"], key
        assert len(head) == len(table["head"][0])
        for shown, written in zip(table["head"][0], head, strict=True):
            assert written.startswith(shown.rstrip(" ▲▼")), key


def test_csv_cells_never_start_a_formula(viewer: TestClient, workspace: WorkspaceKeys) -> None:
    for key in ("companies", "survey_comments", "stuck_companies"):
        rows = csv_rows(viewer.get(_path(workspace, f"/{key}.csv")).content)
        cells = [cell for row in rows for cell in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@") or c.startswith("-2")]
        assert any(c.startswith("'=") for c in cells)
    companies = csv_rows(viewer.get(_path(workspace, "/companies.csv")).content)
    assert companies[5][:2] == ["'-2+3", "c04"] and companies[6][0] == "'@SUM(A1)"
    # A negative number stays a number.
    from shirube.console.csv_export import guard

    assert guard("-3.5") == "-3.5" and guard("-3.5x") == "'-3.5x" and guard("\tx") == "'\tx"


def test_the_filter_reaches_every_query(
    viewer: TestClient, workspace: WorkspaceKeys, fake_kpis: FakeKpis
) -> None:
    params = {
        "from": "2026-11-01", "to": "2026-11-30", "segment": "company", "trait": "plan",
        "value": "pro", "events": EVENTS,
    }  # fmt: skip
    unfiltered = tables_of(viewer.get(_path(workspace)).text)
    fake_kpis.calls.clear()
    for view in VIEW_TABLES:
        assert viewer.get(_path(workspace), params={**params, "view": view}).status_code == 200
    page = viewer.get(_path(workspace), params=params)
    expected = KpiFilter(date(2026, 11, 1), date(2026, 11, 30), {}, {"plan": "pro"})
    queried = {name for name, call in fake_kpis.calls if call.get("filt") == expected}
    assert queried == {
        "summary", "companies", "cohorts", "item_rates", "activity", "feature_usage",
        "surveys", "stuck_users", "stuck_companies",
    }  # fmt: skip
    filtered = tables_of(page.text)
    assert filtered["summary"]["body"] != unfiltered["summary"]["body"]
    assert 'data-kpi="audience">50<' in page.text
    # The form shows the filter, and the links (CSV, sort, pages) keep it.
    assert 'name="trait" maxlength="64" value="plan"' in page.text
    companies = viewer.get(_path(workspace), params={**params, "view": "companies"}).text
    assert "/companies.csv?from=2026-11-01&amp;to=2026-11-30&amp;segment=company" in companies
    assert "?view=companies&amp;from=2026-11-01&amp;to=2026-11-30&amp;segment=company" in companies
    # A user trait, and activity by day over the range.
    viewer.get(_path(workspace), params={"trait": "role", "value": "admin"})
    assert fake_kpis.filters("summary")[-1] == KpiFilter(user_traits={"role": "admin"})
    viewer.get(_path(workspace), params={"view": "usage", "period": "day"})
    activity = [c for name, c in fake_kpis.calls if name == "activity"][-1]
    assert activity["period"] == "day" and (activity["end"] - activity["start"]).days == 29


BAD_QUERIES = [
    ("from=2026-13-01", "from"),
    ("from=20261101", "from"),
    ("from=2026-11-30&to=2026-11-01", "to"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("page=%EF%BC%91", "page"),  # a full-width digit one
    ("sort=evil", "sort"),
    ("order=up", "order"),
    ("period=month", "period"),
    ("stuck_days=0", "stuck_days"),
    ("bogus=1", "bogus"),
    ("from=2026-11-01&from=2026-11-02", "from"),
    ("trait=role", "value"),
    ("value=admin", "trait"),
    ("trait=" + "x" * 65 + "&value=1", "trait"),
    ("q=" + "x" * 201, "q"),
    ("q=a%00b", "q"),
    ("events=ok,%3Cscript%3E", "events"),
    ("objective=goal", "objective"),
    ("objective=survey:x", "objective"),
    ("objective=goal:UPPER", "objective"),
    ("view=nope", "view"),
    ("view=Overview", "view"),
    ("view=usage&view=people", "view"),
]


def test_bad_parameters_answer_400_naming_them(
    viewer: TestClient, workspace: WorkspaceKeys
) -> None:
    for (query, field), tail in itertools.product(BAD_QUERIES, ("", "/companies.csv")):
        answer = viewer.get(_path(workspace, tail) + "?" + query)
        assert answer.status_code == 400, (tail, query)
        assert f"The filter could not be read: {field}:" in answer.text
        assert "<script>" not in answer.text


def test_empty_form_fields_are_no_filter(
    viewer: TestClient, workspace: WorkspaceKeys, fake_kpis: FakeKpis
) -> None:
    empty = "from=&to=&segment=user&trait=&value=&stuck_days=7&period=week&events=&q="
    for view in ("overview", "usage"):
        page = viewer.get(_path(workspace) + f"?view={view}&" + empty)
        assert page.status_code == 200
    assert fake_kpis.filters("summary")[-1] == KpiFilter()
    assert fake_kpis.filters("activity")[-1] == KpiFilter()


def test_objectives_tours_show_their_funnel_and_unknown_ones_404(
    viewer: TestClient, workspace: WorkspaceKeys
) -> None:
    page = viewer.get(_path(workspace), params={"objective": "tour:welcome"})
    steps = tables_of(page.text)["steps"]
    assert steps["head"][0][:3] == ["Step", "Shown", "Advanced"]
    assert steps["body"][0] == ["はじめに", "400", "320", "60", "0", "80.0"]
    assert steps["body"][2][-1] == ""  # nobody shown: no rate, not a division by zero
    assert "selected>Tour: Welcome tour (v1)" in page.text
    assert viewer.get(_path(workspace), params={"objective": "tour:nope"}).status_code == 404
    assert (
        viewer.get(_path(workspace, "/steps.csv"), params={"objective": "goal:nope"}).status_code
        == 404
    )


def test_nothing_published(
    viewer: TestClient, workspace: WorkspaceKeys, fake_kpis: FakeKpis
) -> None:
    fake_kpis.objectives_published = False
    for view in ("overview", "companies", "people"):
        page = viewer.get(_path(workspace), params={"view": view})
        assert page.status_code == 200 and 'data-empty="objective"' in page.text
        assert tables_of(page.text) == {}
    # Activity, surveys and recomputation need no objective.
    for view in ("usage", "surveys", "recomputation"):
        page = viewer.get(_path(workspace), params={"view": view, "events": EVENTS})
        assert 'data-empty="objective"' not in page.text
        assert set(tables_of(page.text)) == VIEW_TABLES[view]
    assert viewer.get(_path(workspace, "/summary.csv")).status_code == 404
    assert viewer.get(_path(workspace, "/activity.csv")).status_code == 200
    assert viewer.get(_path(workspace, "/nope.csv")).status_code == 404


def test_companies_page_sort_and_search(
    viewer: TestClient, workspace: WorkspaceKeys, fake_kpis: FakeKpis
) -> None:
    page = viewer.get(
        _path(workspace), params={"view": "companies", "page": "2", "sort": "share", "order": "asc"}
    )
    call = [c for name, c in fake_kpis.calls if name == "companies"][-1]
    assert (call["page"], call["per_page"], call["sort"], call["descending"]) == (
        2,
        25,
        "share",
        False,
    )
    assert "Page 2 of 2 · 30 companies" in page.text
    assert 'href="?view=companies&amp;sort=share&amp;order=asc#companies" rel="prev"' in page.text
    assert 'aria-sort="ascending"' in page.text
    # The current column's link turns the order; another column starts descending.
    assert 'href="?view=companies&amp;sort=share#companies"' in page.text
    assert 'href="?view=companies&amp;sort=name&amp;order=asc#companies"' in page.text
    # The search form stays on the view.
    assert '<input type="hidden" name="view" value="companies">' in page.text
    found = viewer.get(_path(workspace), params={"view": "companies", "q": "みなと"})
    assert [r[1] for r in tables_of(found.text)["companies"]["body"]] == [
        "c02",
        "c08",
        "c14",
        "c20",
        "c26",
    ]


def test_japanese_labels_and_units(viewer: TestClient, workspace: WorkspaceKeys) -> None:
    page = viewer.get(_path(workspace), headers=JA)
    assert '<html lang="ja">' in page.text
    assert "ダッシュボード · 管理者のオンボーディング完了" in page.text
    assert 'data-kpi="p50">3日4時間<' in page.text and 'data-kpi="p90">3時間0分<' in page.text
    assert "先週比 +7.5 ポイント" in page.text
    assert 'data-view="overview" aria-current="page">概要</a>' in page.text
    assert 'data-view="recomputation">再集計</a>' in page.text
    assert "<title>概要 · ダッシュボード · " in page.text
    head = csv_rows(viewer.get(_path(workspace, "/companies.csv"), headers=JA).content)[0]
    assert head[4] == "割合 (%)" and head[6] == "所要時間の中央値 (秒)"
    bad = viewer.get(_path(workspace) + "?page=0", headers=JA)
    assert "フィルターを読み取れませんでした: page:" in bad.text


def test_labels_have_the_same_keys_in_both_languages() -> None:
    assert DASHBOARD["en"].keys() == DASHBOARD["ja"].keys()


def test_who_may_read(
    client: TestClient, database: Database, workspace: WorkspaceKeys, other_workspace: WorkspaceKeys
) -> None:
    for tail in ("", "?view=people", "/companies.csv"):
        anonymous = client.get(_path(workspace, tail), follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"] == "/console/login"
    make_admin(database, "other@example.com", {other_workspace.id: "owner"})
    sign_in(client, "other@example.com")
    for tail in ("", "?view=companies", "/companies.csv", "/summary.csv"):
        assert client.get(_path(workspace, tail)).status_code == 404
        assert client.get(f"/console/workspaces/{2**40}/dashboard{tail}").status_code == 404
    for role in ("owner", "editor"):
        make_admin(database, f"{role}@example.com", {workspace.id: role})
        sign_in(client, f"{role}@example.com")
        assert client.get(_path(workspace)).status_code == 200
