"""The content editor in Chromium (#14), served by uvicorn: someone who never saw the format
builds a 2-step tour and a checklist whose item starts it with the form only, reorders the
steps from the keyboard (focus stays on the moved step's button), sees an error next to its
field, and a second tab's stale save gets the conflict message instead of overwriting; a CS
lead defines a goal (#13)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from shirube.services import content_store as store

from tests.console.live import Live, serve_console, sign_in, watch

pytestmark = pytest.mark.browser
EMAIL = "pm@example.com"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Live]:
    with serve_console(tmp_path_factory.mktemp("editor"), sqlite_template, EMAIL, "editor") as live:
        yield live


def _draft(live: Live, kind: str, key: str) -> dict[str, Any]:
    item = live.database.run_sync(lambda conn: store.get(conn, live.workspace_id, kind, key))
    return dict(item.draft)


def _new_tour(page: Page, live: Live, name: str, key: str) -> str:
    """Signs in and creates a tour through the "new" form; the address of its editor."""
    sign_in(page, f"{live.workspace}/tours/new", EMAIL)
    page.fill("#new-name", name)
    page.fill("#new-key", key)
    page.click("form.card button[type=submit]")
    return f"{live.workspace}/tours/{key}"


def _new_from_list(page: Page, live: Live, plural: str, name: str, key: str) -> None:
    """Signs in at the list, and creates an item with its New button and form."""
    sign_in(page, f"{live.workspace}/{plural}", EMAIL)
    page.click("#content-new")
    page.fill("#new-name", name)
    page.fill("#new-key", key)
    page.click("form.card button[type=submit]")
    expect(page).to_have_url(f"{live.workspace}/{plural}/{key}")


def _saved(page: Page) -> None:
    expect(page.locator("#editor-status")).to_have_attribute("data-state", "saved")


def test_a_tour_and_a_checklist_built_with_the_form_only(
    context: BrowserContext, live: Live
) -> None:
    page = context.new_page()
    problems = watch(page, every_error=False)
    _new_from_list(page, live, "tours", "Import employees", "import-employees")

    # Fields of one choice only show for it.
    expect(page.locator("#trigger-event")).to_be_hidden()
    page.select_option("#trigger-type", "event")
    expect(page.locator("#trigger-event")).to_be_visible()
    page.fill("#trigger-event", "employees.list_opened")
    # Step 1: a modal, in both languages side by side.
    page.fill("#steps-0-title-ja", "従業員をまとめて登録")
    page.fill("#steps-0-title-en", "Import your team")
    _saved(page)
    expect(page.locator("#unpublished-badge")).to_be_visible()
    # Step 2: a tooltip without its target: the error appears next to the target field.
    page.click("#steps-add")
    expect(page.locator("#steps-1-edit")).to_be_focused()
    page.select_option("#steps-1-kind", "tooltip")
    error = page.locator('[data-errors-for="steps.1.target"] .error')
    expect(error).to_have_text("is required when kind is 'tooltip'")
    expect(page.locator("#steps-1-target")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#editor-status")).to_have_attribute("data-state", "not-saved")
    page.fill("#steps-1-target", "[data-tour=import-button]")
    page.fill("#steps-1-title-en", "Import")
    _saved(page)
    expect(error).to_have_count(0)

    # Reorder from the keyboard: the moved step keeps the focus on its button.
    page.focus("#steps-1-up")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live.workspace}/tours/import-employees?focus=steps-0-up")
    expect(page.locator("#steps-0-up")).to_be_focused()
    expect(page.locator("#steps-0-target")).to_have_value("[data-tour=import-button]")
    steps = _draft(live, "tour", "import-employees")["steps"]
    assert [s["kind"] for s in steps] == ["tooltip", "modal"]
    assert steps[1]["title"] == {"ja": "従業員をまとめて登録", "en": "Import your team"}
    assert _draft(live, "tour", "import-employees")["trigger"] == {
        "type": "event",
        "event": "employees.list_opened",
    }

    # A checklist whose item starts the tour, picked from the workspace's tours.
    page.goto(f"{live.workspace}/checklists/new")
    page.fill("#new-name", "Get ready")
    page.fill("#new-key", "setup")
    page.click("form.card button[type=submit]")
    expect(page).to_have_url(f"{live.workspace}/checklists/setup")
    page.fill("#items-0-title-en", "Import your team")
    page.select_option("#items-0-action-type", "tour")
    page.select_option("#items-0-action-tour", "import-employees")
    page.select_option("#items-0-completion-type", "tour_completed")
    page.select_option("#items-0-completion-tour", "import-employees")
    _saved(page)
    item = _draft(live, "checklist", "setup")["items"][0]
    assert item["action"] == {"type": "tour", "tour": "import-employees"}
    assert item["completion"] == {"type": "tour_completed", "tour": "import-employees"}
    page.goto(f"{live.workspace}/tours")
    expect(page.locator('[data-content="import-employees"] [data-unpublished]')).to_have_attribute(
        "data-unpublished", "yes"
    )
    assert problems == []


def test_a_second_tabs_stale_save_gets_the_conflict_message(
    context: BrowserContext, live: Live
) -> None:
    first = context.new_page()
    url = _new_tour(first, live, "Welcome", "welcome")
    expect(first).to_have_url(url)
    second = context.new_page()
    problems = watch(second, every_error=False)
    second.goto(url)
    first.fill("#name", "Welcome (first tab)")
    _saved(first)
    second.fill("#name", "Welcome (second tab)")
    conflict = second.locator("#editor-conflict")
    expect(conflict).to_be_visible()
    expect(second.locator("#editor-reload")).to_be_focused()
    assert _draft(live, "tour", "welcome")["name"] == "Welcome (first tab)"
    second.click("#editor-reload")
    expect(second.locator("#name")).to_have_value("Welcome (first tab)")
    expect(second.locator("#editor-conflict")).to_be_hidden()
    assert problems == []


def test_steps_reorder_by_drag_and_drop(context: BrowserContext, live: Live) -> None:
    page = context.new_page()
    problems = watch(page, every_error=False)
    _new_tour(page, live, "Drag", "drag")
    page.click("#steps-add")
    expect(page.locator("#steps-1-edit")).to_be_focused()
    page.click("#steps-add")
    expect(page.locator("#steps-2-edit")).to_be_focused()
    page.fill("#steps-2-title-en", "Last")
    _saved(page)
    ids = [s["id"] for s in _draft(live, "tour", "drag")["steps"]]
    # Both steps on screen at once: a drag does not scroll the page in a test.
    page.set_viewport_size({"width": 1280, "height": 6000})
    page.drag_and_drop('[data-row="2"] .drag-handle', '[data-row="0"] h3')
    expect(page.locator("#steps-0-title-en")).to_have_value("Last")
    moved = [s["id"] for s in _draft(live, "tour", "drag")["steps"]]
    assert moved == [ids[2], ids[0], ids[1]]
    assert problems == []


def test_the_header_switches_the_console_to_japanese(context: BrowserContext, live: Live) -> None:
    page = context.new_page()
    problems = watch(page, every_error=False)
    sign_in(page, f"{live.workspace}/tours", EMAIL)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tours")
    page.select_option("#console-lang", "ja")
    page.click("form.language button")
    expect(page).to_have_url(f"{live.workspace}/tours")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ツアー")
    expect(page.locator("form.signout button")).to_have_text("ログアウト")
    page.select_option("#console-lang", "en")
    page.click("form.language button")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tours")
    assert problems == []


def test_an_invalid_change_survives_a_closed_tab(context: BrowserContext, live: Live) -> None:
    page = context.new_page()
    problems = watch(page, every_error=False)
    url = _new_tour(page, live, "Kept", "kept")
    page.select_option("#steps-0-kind", "tooltip")
    page.fill("#steps-0-title-en", "Pick the import button")
    expect(page.locator("#editor-status")).to_have_attribute("data-state", "not-saved")
    page.close()
    # The draft was not saved (a tooltip needs its target) …
    assert _draft(live, "tour", "kept")["steps"][0]["kind"] == "modal"
    again = context.new_page()
    again.goto(url)
    # … but the change is offered back, with its error next to the field.
    expect(again.locator("#editor-restore")).to_be_visible()
    again.click("#editor-restore-yes")
    expect(again.locator("#steps-0-kind")).to_have_value("tooltip")
    expect(again.locator("#steps-0-title-en")).to_have_value("Pick the import button")
    expect(again.locator('[data-errors-for="steps.0.target"] .error')).to_be_visible()
    again.fill("#steps-0-target", "#import")
    _saved(again)
    assert _draft(live, "tour", "kept")["steps"][0]["target"] == "#import"
    again.goto(url)
    expect(again.locator("#editor-restore")).to_be_hidden()
    assert problems == []


def test_a_goal_defined_with_the_form_only(context: BrowserContext, live: Live) -> None:
    """The CS lead's "onboarding complete" (#13): two rules, any of them, a company rule."""
    page = context.new_page()
    problems = watch(page, every_error=False)
    _new_from_list(page, live, "goals", "Admin onboarded", "admin-onboarded")
    # The first rule starts as an hour of use: its fields only.
    expect(page.locator("#rules-0-rule-minutes")).to_have_value("60")
    expect(page.locator("#rules-0-rule-event")).to_be_hidden()
    page.select_option("#rules-0-rule-type", "event")
    expect(page.locator("#rules-0-rule-minutes")).to_be_hidden()
    page.fill("#rules-0-rule-event", "member_invited")
    page.fill("#rules-0-rule-where", '{"role": "manager"}')
    page.fill("#rules-0-title-en", "Invited a manager")
    _saved(page)
    page.click("#rules-add")
    expect(page.locator("#rules-1-edit")).to_be_focused()
    page.select_option("#match", "any")
    # A company rule's fields show for its kind only.
    expect(page.locator("#company-percent")).to_be_hidden()
    page.select_option("#company-type", "share")
    expect(page.locator("#company-value")).to_be_hidden()
    page.fill("#company-percent", "0")
    error = page.locator('[data-errors-for="company.percent"] .error')
    expect(error).to_have_text("Input should be greater than or equal to 1")
    page.fill("#company-percent", "80")
    _saved(page)
    expect(error).to_have_count(0)
    goal = _draft(live, "goal", "admin-onboarded")
    assert goal["match"] == "any"
    assert goal["company"] == {"type": "share", "percent": 80}
    assert [rule["rule"]["type"] for rule in goal["rules"]] == ["event", "active_time"]
    assert goal["rules"][0]["rule"]["where"] == {"role": "manager"}
    assert problems == []
