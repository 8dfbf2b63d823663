"""The dashboard's views (tabs), over hand-built figures (kpi_fake.py): each view's page runs
only the queries it shows (the point of #13's split: a page of every figure took seconds), the
tab bar marks the current view and its links keep the filter, the filter form keeps the view,
and a CSV still loads only its table's part."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from shirube.console.dashboard_data import VIEW_PARTS
from shirube.console.dashboard_query import VIEWS, parse_query
from shirube.console.dashboard_tables import TABLE_PARTS
from shirube.storage import Database
from starlette.testclient import TestClient

from tests.conftest import WorkspaceKeys
from tests.console.conftest import make_admin, sign_in
from tests.console.kpi_fake import FakeKpis

pytestmark = pytest.mark.usefixtures("fake_kpis")
EVENTS = "employees_imported,clock_in"
# The KPI queries each view runs, once each (besides the list of objectives, for the filter).
VIEW_QUERIES = {
    "overview": {"summary", "cohorts", "item_rates"},
    "companies": {"companies", "stuck_companies"},
    "people": {"stuck_users"},
    "usage": {"activity", "feature_usage"},
    "surveys": {"surveys"},
    "recomputation": {"backfills"},
}
TAB = re.compile(r'<a href="([^"]*)" data-view="(\w+)"( aria-current="page")?>')


def _path(workspace: WorkspaceKeys, tail: str = "") -> str:
    return f"/console/workspaces/{workspace.id}/dashboard{tail}"


@pytest.fixture
def viewer(client: TestClient, database: Database, workspace: WorkspaceKeys) -> TestClient:
    make_admin(database, "lead@example.com", {workspace.id: "viewer"})
    sign_in(client, "lead@example.com")
    return client


def _queries(fake: FakeKpis) -> Counter[str]:
    return Counter(name for name, _ in fake.calls if name not in ("list_objectives",))


def test_each_view_runs_only_its_queries(
    viewer: TestClient, workspace: WorkspaceKeys, fake_kpis: FakeKpis
) -> None:
    assert set(VIEWS) == set(VIEW_QUERIES) == set(VIEW_PARTS)
    for view, queries in VIEW_QUERIES.items():
        fake_kpis.calls.clear()
        page = viewer.get(_path(workspace), params={"view": view, "events": EVENTS})
        assert page.status_code == 200, view
        assert _queries(fake_kpis) == Counter(queries), view
        assert [n for n, _ in fake_kpis.calls].count("list_objectives") == 1
    # A tour's overview: its funnel, not item rates; a chosen objective is looked up once.
    fake_kpis.calls.clear()
    viewer.get(_path(workspace), params={"objective": "tour:welcome"})
    assert _queries(fake_kpis) == Counter({"find_objective", "summary", "cohorts", "funnel"})
    # Without events, the usage view asks for no feature usage.
    fake_kpis.calls.clear()
    viewer.get(_path(workspace), params={"view": "usage"})
    assert _queries(fake_kpis) == Counter({"activity"})


def test_a_csv_runs_only_its_tables_query(
    viewer: TestClient, workspace: WorkspaceKeys, fake_kpis: FakeKpis
) -> None:
    part_queries = {**{p: {p} for p in TABLE_PARTS.values()}, "steps": {"item_rates"},
                    "features": {"feature_usage"}}  # fmt: skip
    for key, part in TABLE_PARTS.items():
        fake_kpis.calls.clear()
        answer = viewer.get(_path(workspace, f"/{key}.csv"), params={"events": EVENTS})
        assert answer.status_code == 200, key
        assert _queries(fake_kpis) == Counter(part_queries[part]), key


def test_the_tabs_mark_the_view_and_keep_the_filter(
    viewer: TestClient, workspace: WorkspaceKeys
) -> None:
    params = {
        "view": "companies", "objective": "tour:welcome", "from": "2026-11-01",
        "to": "2026-11-30", "segment": "company", "trait": "plan", "value": "pro",
        "stuck_days": "14", "period": "day", "events": EVENTS, "page": "2", "sort": "name",
        "order": "asc", "q": "みなと",
    }  # fmt: skip
    page = viewer.get(_path(workspace), params=params).text
    tabs = TAB.findall(page)
    assert [view for _, view, _ in tabs] == list(VIEWS)
    assert [view for _, view, current in tabs if current] == ["companies"]
    query = parse_query(list(params.items()))
    for href, view, _ in tabs:
        url = urlsplit(unescape(href))
        assert url.path == _path(workspace)
        linked = parse_query(parse_qsl(url.query))
        # The filter carries over; the companies table's page, sort and search do not.
        assert linked == query.__class__(
            view=view, objective=query.objective, first_seen_from=query.first_seen_from,
            first_seen_to=query.first_seen_to, segment="company", trait="plan", value="pro",
            stuck_days=14, period="day", events=query.events,
        ), view  # fmt: skip
        # Each link opens its view with the filter in the form.
        opened = viewer.get(url.path + "?" + url.query).text
        assert [v for _, v, current in TAB.findall(opened) if current] == [view]
        assert 'name="trait" maxlength="64" value="plan"' in opened
        assert "selected>Tour: Welcome tour (v1)" in opened


def _filter_form(page: str) -> str:
    start = page.index('<form class="filter"')
    return page[start : page.index("</form>", start)]


def test_the_filter_form_keeps_the_view_and_the_other_views_fields(
    viewer: TestClient, workspace: WorkspaceKeys
) -> None:
    params = {"view": "overview", "stuck_days": "14", "period": "day", "events": EVENTS}
    overview = viewer.get(_path(workspace), params=params).text
    form = _filter_form(overview)
    assert '<input type="hidden" name="view" value="overview">' in form
    # Fields the overview does not use ride along, hidden, so applying loses none of them.
    assert '<input type="hidden" name="stuck_days" value="14">' in form
    assert '<input type="hidden" name="period" value="day">' in form
    assert f'<input type="hidden" name="events" value="{EVENTS}">' in form
    usage = viewer.get(_path(workspace), params={**params, "view": "usage"}).text
    form = _filter_form(usage)
    assert '<input type="hidden" name="view" value="usage">' in form
    assert '<input type="hidden" name="stuck_days" value="14">' in form
    assert '<select name="period">' in form and 'name="events" maxlength="2000"' in form
    # Reset clears the filter and stays on the view.
    assert f'class="reset" href="{_path(workspace)}?view=usage"' in form
    people = viewer.get(_path(workspace), params={"view": "people"}).text
    assert 'type="number" name="stuck_days"' in people and 'name="period"' not in people


def test_an_unknown_view_is_a_400_naming_it(viewer: TestClient, workspace: WorkspaceKeys) -> None:
    for value in ("nope", "OVERVIEW", "overview ", "companies,people"):
        answer = viewer.get(_path(workspace), params={"view": value})
        if value == "overview ":  # a form's value is stripped, as every parameter's
            assert answer.status_code == 200
            continue
        assert answer.status_code == 400, value
        assert "The filter could not be read: view: must be one of overview, companies" in (
            answer.text
        )


def test_the_workspace_pages_links_open_the_overview(
    viewer: TestClient, workspace: WorkspaceKeys
) -> None:
    page = viewer.get(_path(workspace), params={"objective": "goal:admin-onboarded"}).text
    assert [v for _, v, current in TAB.findall(page) if current] == ["overview"]
    assert 'data-kpi="audience">200<' in page
