"""The visual builder while the editor works (#14), in real Chromium: the panel leaves the host
app usable (the editor's choice of side wins over the automatic placement, it folds to a bar,
it stays within a sensible size and docks along the bottom of a small viewport), unsaved edits
are kept per workspace and tour, and a hotspot step shows live as its beacon."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from playwright.sync_api import Page, expect
from shirube.services.admins import Admin, create_admin
from shirube.services.workspaces import create_workspace
from shirube.storage import Database

from tests.widget.builder_support import (
    PASSWORD,
    add_and_pick,
    edit_grant,
    editor,
    kept_state,
    live_db,
    open_builder,
    panel_of,
    tour_key,
)
from tests.widget.helpers import card
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser
__all__ = ["editor", "live_db", "tour_key"]  # fixtures, used by name


def _open(page: Page, url: str, grant: str, tour: str) -> None:
    expect(open_builder(page, url, grant)).to_contain_text(tour)


def _side(page: Page) -> str:
    box = panel_of(page).bounding_box()
    assert box is not None
    return "r" if box["x"] + box["width"] / 2 > page.viewport_size["width"] / 2 else "l"  # type: ignore[index]


def test_the_editors_side_wins_and_the_panel_folds(
    page: Page,
    live_db: Database,
    shirube: LiveShirube,
    host: HostPages,
    user_id: str,
    editor: tuple[str, Admin],
    tour_key: str,
    page_errors: list[str],
) -> None:
    url = host.url("/admin.html", user_id)
    _open(page, url, edit_grant(live_db, shirube, host, editor[1], tour_key), tour_key)
    panel = panel_of(page)
    add_and_pick(page, "#content-export", "Export your data", "データを書き出す")
    # Never more than it must: at most 70 % of the viewport high, 320 px wide.
    box = panel.bounding_box()
    assert box is not None and box["height"] <= 0.7 * 720 + 1 and box["width"] <= 321
    automatic = _side(page)
    panel.locator("[data-action=side]").click()
    chosen = "l" if automatic == "r" else "r"
    assert _side(page) == chosen
    # Edits refresh the live preview; the panel stays where the editor put it ...
    panel.locator("input[name=title-en]").fill("Export it all")
    expect(card(page, "step-2")).to_contain_text("Export it all")
    assert _side(page) == chosen
    # ... on the app's next page too.
    page.goto(url)
    expect(panel.locator("[data-part=dirty]")).to_be_visible()
    assert _side(page) == chosen

    # Folded to a bar: the form is gone, the page under it is the app's; kept across pages.
    panel.locator("[data-action=fold]").click()
    expect(panel.locator("input[name=title-en]")).to_have_count(0)
    box = panel.bounding_box()
    assert box is not None and box["height"] <= 48 and box["width"] <= 360
    expect(panel.locator("[data-part=dirty]")).to_be_visible()
    page.goto(url)
    expect(panel.locator("[data-action=unfold]")).to_be_visible()
    expect(panel.locator("input[name=title-en]")).to_have_count(0)
    panel.locator("[data-action=unfold]").click()
    expect(panel.locator("input[name=title-en]")).to_have_value("Export it all")


def test_a_small_viewport_docks_the_panel_along_the_bottom(
    page: Page,
    live_db: Database,
    shirube: LiveShirube,
    host: HostPages,
    user_id: str,
    editor: tuple[str, Admin],
    tour_key: str,
    page_errors: list[str],
) -> None:
    page.set_viewport_size({"width": 390, "height": 700})
    grant = edit_grant(live_db, shirube, host, editor[1], tour_key)
    _open(page, host.url("/admin.html", user_id), grant, tour_key)
    box = panel_of(page).bounding_box()
    assert box is not None
    assert box["x"] <= 1 and box["width"] >= 388
    assert abs(box["y"] + box["height"] - 700) <= 1 and box["height"] <= 0.45 * 700 + 1


def test_unsaved_edits_are_kept_per_workspace_and_tour(
    page: Page,
    live_db: Database,
    shirube: LiveShirube,
    host: HostPages,
    user_id: str,
    tour_key: str,
    page_errors: list[str],
) -> None:
    """Two workspaces used on one origin (staging and production, say), a tour of the same key
    in each: the edits in one are never offered in the other."""
    other = live_db.run_sync(lambda conn: create_workspace(conn, "Staging", [host.origin]))
    theirs = {"id": "theirs", "kind": "modal", "title": "Staging's"}
    doc = {"key": tour_key, "name": "Theirs", "trigger": {"type": "manual"}, "steps": [theirs]}
    request = urllib.request.Request(
        f"{shirube.base_url}/api/v1/tours/{tour_key}",
        method="PUT",
        data=json.dumps(doc).encode(),
        headers={
            "Authorization": f"Bearer {other.secret_key}",
            "Content-Type": "application/json",
        },
    )
    urllib.request.urlopen(request, timeout=10).close()
    roles = {shirube.workspace_id: "editor", other.workspace.id: "editor"}
    email = f"both-{uuid.uuid4().hex[:8]}@example.com"
    admin = live_db.run_sync(lambda conn: create_admin(conn, email, PASSWORD, roles))
    panel = panel_of(page)

    grant = edit_grant(live_db, shirube, host, admin, tour_key)
    _open(page, host.url("/admin.html", user_id), grant, tour_key)
    panel.locator("[data-action=add-modal]").click()
    expect(panel.locator("ol button")).to_have_count(2)
    expect(panel.locator("[data-part=dirty]")).to_be_visible()

    # The other workspace's tour of that key: its own draft, nothing restored.
    grant = edit_grant(live_db, shirube, host, admin, tour_key, other.workspace.id)
    staging = host.url("/admin.html", user_id, key=other.workspace.public_key)
    _open(page, staging, grant, tour_key)
    expect(panel.locator("ol button")).to_have_count(1)
    expect(panel.locator("ol button")).to_contain_text("Staging's")
    expect(panel.locator("[data-part=message]")).to_have_count(0)
    expect(panel.locator("[data-part=dirty]")).to_have_count(0)

    # Back in the first: its unsaved step is still there.
    grant = edit_grant(live_db, shirube, host, admin, tour_key)
    _open(page, host.url("/admin.html", user_id), grant, tour_key)
    expect(panel.locator("[data-part=message]")).to_contain_text("restored")
    expect(panel.locator("ol button")).to_have_count(2)
    assert len(kept_state(page, shirube.public_key, tour_key)["draft"]["steps"]) == 2


def test_a_hotspot_step_shows_live_as_its_beacon(
    page: Page,
    live_db: Database,
    shirube: LiveShirube,
    host: HostPages,
    user_id: str,
    editor: tuple[str, Admin],
    tour_key: str,
    page_errors: list[str],
) -> None:
    grant = edit_grant(live_db, shirube, host, editor[1], tour_key)
    _open(page, host.url("/admin.html", user_id), grant, tour_key)
    panel = panel_of(page)
    panel.locator("[data-action=add-hotspot]").click()
    page.locator("#nav-search").click()
    expect(panel.locator("select[name=kind]")).to_have_value("hotspot")
    # Editing, not previewing: the beacon as end users see it, its card closed.
    beacon = page.locator('[data-shirube="hotspot"][data-shirube-step="step-2"]')
    expect(beacon).to_be_visible()
    expect(card(page, "step-2")).to_have_count(0)
    # The beacon opens the card; it stays open while the step is edited in the panel.
    beacon.click()
    expect(card(page, "step-2")).to_be_visible()
    panel.locator("input[name=title-en]").fill("Search everything")
    expect(card(page, "step-2")).to_contain_text("Search everything")
    expect(beacon).to_have_count(1)
