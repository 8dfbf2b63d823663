"""The dashboard in Chromium, served by uvicorn over hand-built KPI figures (kpi_fake.py): the
charts of the overview and usage views draw with no console error and no CSP refusal, a CSV
link downloads the table's rows, a filter changes the numbers and the tabs keep it, and a
Japanese browser reads Japanese labels."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.console.kpi_fake import FakeKpis
from tests.console.live import Live, serve_console, sign_in, watch

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fake_kpis")]
EMAIL = "lead@example.com"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("dashboard")
    with serve_console(folder, sqlite_template, EMAIL, "viewer") as live:
        yield live


def _dashboard(live: Live, query: str = "") -> str:
    return f"{live.workspace}/dashboard{query}"


def _table(page: Page, key: str) -> list[list[str]]:
    """The rows of a table as the CSV writes them: a cell's <data value>, else its text."""
    rows: list[list[str]] = page.locator(
        f'table[data-table="{key}"] tbody tr:not(.empty-row)'
    ).evaluate_all(
        """rows => rows.map(row => [...row.cells].map(cell => {
             const data = cell.querySelector('data');
             return data ? data.value : cell.textContent.trim();
           }))"""
    )
    return rows


def test_the_charts_render_under_the_csp(page: Page, live: Live) -> None:
    problems = watch(page)
    sign_in(page, _dashboard(live, "?events=employees_imported,clock_in"), EMAIL)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")
    charts = page.locator("figure svg.chart")
    expect(charts).to_have_count(3)  # trend, cohorts, item rates
    for index in range(3):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 40
    # The stylesheet's classes colour the SVG (no inline style: the CSP allows none).
    expect(page.locator("#chart-cohorts rect.heat-2").first).to_have_css(
        "fill", "rgb(199, 232, 218)"
    )
    expect(page.locator("#chart-trend polyline.chart-line").first).to_have_css(
        "stroke", "rgb(11, 110, 79)"
    )
    expect(page.get_by_role("img", name="Cohorts")).to_be_visible()
    page.screenshot(path="/tmp/dash-dashboard.png", full_page=True)
    # The usage view, by its tab: activity and feature usage, the events kept.
    page.get_by_role("link", name="Usage").click()
    expect(page.locator('a[data-view="usage"]')).to_have_attribute("aria-current", "page")
    expect(charts).to_have_count(2)
    for index in range(2):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 40
    expect(page.locator("#chart-activity polyline.chart-line").first).to_have_css(
        "stroke", "rgb(11, 110, 79)"
    )
    expect(page.locator("#chart-features rect.chart-bar")).to_have_count(2)
    expect(page.get_by_role("img", name="Feature usage")).to_be_visible()
    page.screenshot(path="/tmp/dash-dashboard-usage.png", full_page=True)
    assert problems == []


def test_a_csv_link_downloads_the_rows_of_its_table(page: Page, live: Live) -> None:
    sign_in(page, _dashboard(live, "?view=companies&sort=name&order=asc"), EMAIL)
    shown = _table(page, "companies")
    assert len(shown) == 25
    with page.expect_download() as info:
        page.click('a[data-csv="companies"]')
    download = info.value
    assert download.suggested_filename == f"shirube-{live.workspace_id}-companies.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    head, *rows = list(csv.reader(io.StringIO(text)))
    assert head[0] == "Company" and len(rows) == len(shown)
    unguarded = [[c[1:] if c[:2] in ("'=", "'-", "'@", "'+") else c for c in r] for r in rows]
    assert unguarded == shown


def test_a_filter_changes_the_numbers(page: Page, live: Live, fake_kpis: FakeKpis) -> None:
    problems = watch(page)
    sign_in(page, _dashboard(live), EMAIL)
    audience = page.locator('[data-kpi="audience"]')
    expect(audience).to_have_text("200")
    before = _table(page, "trend")
    page.select_option('form.filter select[name="segment"]', "company")
    page.fill('form.filter input[name="trait"]', "plan")
    page.fill('form.filter input[name="value"]', "pro")
    page.fill('form.filter input[name="from"]', "2026-11-01")
    page.click("form.filter button[type=submit]")
    expect(page).to_have_url(
        f"{_dashboard(live)}?view=overview&objective=goal%3Aadmin-onboarded&from=2026-11-01&to=&segment=company&trait=plan&value=pro"
    )
    expect(audience).to_have_text("50")
    assert _table(page, "trend") != before
    expect(page.locator('form.filter input[name="trait"]')).to_have_value("plan")
    assert fake_kpis.filters("summary")[-1].company_traits == {"plan": "pro"}
    # Another tab keeps the filter: the companies of the segment, fewer users each.
    page.get_by_role("link", name="Companies", exact=True).click()
    expect(page.locator('a[data-view="companies"]')).to_have_attribute("aria-current", "page")
    expect(page.locator('form.filter input[name="trait"]')).to_have_value("plan")
    expect(page.locator('table[data-table="companies"]')).to_be_visible()
    assert fake_kpis.filters("companies")[-1].company_traits == {"plan": "pro"}
    assert problems == []


def test_japanese_labels_with_a_japanese_browser(browser: Browser, live: Live) -> None:
    context = browser.new_context(locale="ja-JP")
    try:
        page = context.new_page()
        sign_in(page, _dashboard(live), EMAIL)
        expect(page.get_by_role("heading", level=1)).to_contain_text("ダッシュボード")
        expect(page.locator('[data-kpi="p50"]')).to_have_text("3日4時間")
        expect(page.get_by_role("img", name="コホート")).to_be_visible()
        expect(page.locator("form.filter button[type=submit]")).to_have_text("適用")
        expect(page.locator('nav.tabs a[aria-current="page"]')).to_have_text("概要")
        page.screenshot(path="/tmp/dash-dashboard-ja.png", full_page=True)
    finally:
        context.close()
