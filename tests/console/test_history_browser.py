"""Version history in Chromium: an editor publishes a changed draft, reads the diff, rolls
back, and finds all of it in the audit log, with no console error and no CSP refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from shirube.services import content_store as store

from tests.api.helpers import tour_doc
from tests.console.live import Live, serve_console, sign_in, watch

pytestmark = pytest.mark.browser
EMAIL = "editor@example.com"


def _seed(conn: Any, workspace_id: int) -> None:
    saved = store.save_draft(conn, workspace_id, "tour", tour_doc())
    store.publish(conn, saved.item)
    changed = tour_doc(steps=("s2", "s1", "s3"))
    changed["steps"][0]["title"] = {"en": "Second first", "ja": "二番目が先"}
    store.save_draft(conn, workspace_id, "tour", changed)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("history")
    with serve_console(folder, sqlite_template, EMAIL, "editor", seed=_seed) as live:
        yield live


def test_publish_read_the_diff_and_roll_back(page: Page, live: Live) -> None:
    problems = watch(page)
    workspace = live.workspace
    sign_in(page, workspace, EMAIL)
    page.locator('a[data-link="versions"]').first.click()
    expect(page).to_have_url(f"{workspace}/tours/welcome/versions")
    expect(page.locator("[data-draft]")).to_have_attribute("data-draft", "changed")

    # What publishing would change: the draft against the live version 1.
    page.click('a[data-link="diff-draft"]')
    diff = page.locator("ul.diff li")
    expect(diff).to_have_count(2)
    expect(page.locator('ul.diff li[data-op="changed"]')).to_contain_text(
        "Step 1 ‘s2’ · Title: “Step s2” → “en: Second first; ja: 二番目が先”"
    )
    expect(page.locator('ul.diff li[data-op="moved"]')).to_contain_text(
        "moved from position 1 to 2"
    )

    page.goto(f"{workspace}/tours/welcome/versions")
    page.click('button[data-action="publish"]')
    expect(page.locator('tr[data-live="true"]')).to_have_attribute("data-version", "2")
    expect(page.locator("[data-draft]")).to_have_attribute("data-draft", "same")

    # Compare v1 and v2 through the form.
    page.select_option("#from", "1")
    page.select_option("#to", "2")
    page.click("form.compare button")
    expect(page).to_have_url(f"{workspace}/tours/welcome/diff?from=1&to=2")
    expect(page.locator("ul.diff li")).to_have_count(2)

    page.goto(f"{workspace}/tours/welcome/versions")
    page.locator('tr[data-version="1"] button[data-action="rollback"]').click()
    live_row = page.locator('tr[data-live="true"]')
    expect(live_row).to_have_attribute("data-version", "3")
    expect(live_row).to_contain_text("v1")  # restored from

    page.goto(workspace)
    page.click('a[data-link="audit"]')
    actions = page.locator("tr[data-action]")
    expect(actions.first).to_have_attribute("data-action", "rolled_back")
    expect(actions.first).to_contain_text(EMAIL)
    expect(page.locator('tr[data-action="published"]').first).to_contain_text("Second first")
    assert problems == []
