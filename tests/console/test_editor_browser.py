"""The content editor in Chromium (#14), served by uvicorn: someone who never saw the format
builds a 2-step tour and a checklist whose item starts it with the form only, reorders the
steps from the keyboard (focus stays on the moved step's button), sees an error next to its
field, and a second tab's stale save gets the conflict message instead of overwriting."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect
from shirube.app import create_app
from shirube.services import content_store as store
from shirube.settings import Settings
from shirube.storage import Database

from demo_app.launcher import bind, origin_of
from tests.conftest import SECRET, make_workspace
from tests.console.conftest import PASSWORD, make_admin

pytestmark = pytest.mark.browser
EMAIL = "pm@example.com"


@dataclass(frozen=True)
class Live:
    url: str
    workspace_id: int
    database: Database

    @property
    def base(self) -> str:
        return f"{self.url}/console/workspaces/{self.workspace_id}"

    def draft(self, kind: str, key: str) -> dict[str, Any]:
        item = self.database.run_sync(lambda conn: store.get(conn, self.workspace_id, kind, key))
        return dict(item.draft)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Live]:
    path = tmp_path_factory.mktemp("editor") / "shirube.db"
    path.write_bytes(sqlite_template.read_bytes())
    settings = Settings(database_url=f"sqlite:///{path}", secret_key=SECRET, env="test")
    database = Database(settings.database_url)
    workspace = make_workspace(database)
    make_admin(database, EMAIL, {workspace.id: "editor"})
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, database), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield Live(origin_of(sock), workspace.id, database)
    finally:
        server.should_exit = True
        thread.join(10)
        database.dispose()


def _watch(page: Page) -> list[str]:
    problems: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("console", record)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _sign_in(page: Page, live: Live) -> None:
    page.goto(f"{live.url}/console/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live.url}/console/")


def _saved(page: Page) -> None:
    expect(page.locator("#editor-status")).to_have_attribute("data-state", "saved")


def test_a_tour_and_a_checklist_built_with_the_form_only(
    context: BrowserContext, live: Live
) -> None:
    page = context.new_page()
    problems = _watch(page)
    _sign_in(page, live)
    page.goto(f"{live.base}/tours")
    page.click("#content-new")
    page.fill("#new-name", "Import employees")
    page.fill("#new-key", "import-employees")
    page.click("form.card button[type=submit]")
    expect(page).to_have_url(f"{live.base}/tours/import-employees")

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
    expect(page).to_have_url(f"{live.base}/tours/import-employees?focus=steps-0-up")
    expect(page.locator("#steps-0-up")).to_be_focused()
    expect(page.locator("#steps-0-target")).to_have_value("[data-tour=import-button]")
    steps = live.draft("tour", "import-employees")["steps"]
    assert [s["kind"] for s in steps] == ["tooltip", "modal"]
    assert steps[1]["title"] == {"ja": "従業員をまとめて登録", "en": "Import your team"}
    assert live.draft("tour", "import-employees")["trigger"] == {
        "type": "event",
        "event": "employees.list_opened",
    }

    # A checklist whose item starts the tour, picked from the workspace's tours.
    page.goto(f"{live.base}/checklists/new")
    page.fill("#new-name", "Get ready")
    page.fill("#new-key", "setup")
    page.click("form.card button[type=submit]")
    expect(page).to_have_url(f"{live.base}/checklists/setup")
    page.fill("#items-0-title-en", "Import your team")
    page.select_option("#items-0-action-type", "tour")
    page.select_option("#items-0-action-tour", "import-employees")
    page.select_option("#items-0-completion-type", "tour_completed")
    page.select_option("#items-0-completion-tour", "import-employees")
    _saved(page)
    item = live.draft("checklist", "setup")["items"][0]
    assert item["action"] == {"type": "tour", "tour": "import-employees"}
    assert item["completion"] == {"type": "tour_completed", "tour": "import-employees"}
    page.goto(f"{live.base}/tours")
    expect(page.locator('[data-content="import-employees"] [data-unpublished]')).to_have_attribute(
        "data-unpublished", "yes"
    )
    assert problems == []


def test_a_second_tabs_stale_save_gets_the_conflict_message(
    context: BrowserContext, live: Live
) -> None:
    first = context.new_page()
    _sign_in(first, live)
    first.goto(f"{live.base}/tours/new")
    first.fill("#new-name", "Welcome")
    first.fill("#new-key", "welcome")
    first.click("form.card button[type=submit]")
    url = f"{live.base}/tours/welcome"
    expect(first).to_have_url(url)
    second = context.new_page()
    problems = _watch(second)
    second.goto(url)
    first.fill("#name", "Welcome (first tab)")
    _saved(first)
    second.fill("#name", "Welcome (second tab)")
    conflict = second.locator("#editor-conflict")
    expect(conflict).to_be_visible()
    expect(second.locator("#editor-reload")).to_be_focused()
    assert live.draft("tour", "welcome")["name"] == "Welcome (first tab)"
    second.click("#editor-reload")
    expect(second.locator("#name")).to_have_value("Welcome (first tab)")
    expect(second.locator("#editor-conflict")).to_be_hidden()
    assert problems == []


def test_steps_reorder_by_drag_and_drop(context: BrowserContext, live: Live) -> None:
    page = context.new_page()
    problems = _watch(page)
    _sign_in(page, live)
    page.goto(f"{live.base}/tours/new")
    page.fill("#new-name", "Drag")
    page.fill("#new-key", "drag")
    page.click("form.card button[type=submit]")
    page.click("#steps-add")
    expect(page.locator("#steps-1-edit")).to_be_focused()
    page.click("#steps-add")
    expect(page.locator("#steps-2-edit")).to_be_focused()
    page.fill("#steps-2-title-en", "Last")
    _saved(page)
    ids = [s["id"] for s in live.draft("tour", "drag")["steps"]]
    # Both steps on screen at once: a drag does not scroll the page in a test.
    page.set_viewport_size({"width": 1280, "height": 6000})
    page.drag_and_drop('[data-row="2"] .drag-handle', '[data-row="0"] h3')
    expect(page.locator("#steps-0-title-en")).to_have_value("Last")
    moved = [s["id"] for s in live.draft("tour", "drag")["steps"]]
    assert moved == [ids[2], ids[0], ids[1]]
    assert problems == []


def test_the_header_switches_the_console_to_japanese(context: BrowserContext, live: Live) -> None:
    page = context.new_page()
    problems = _watch(page)
    _sign_in(page, live)
    page.goto(f"{live.base}/tours")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tours")
    page.select_option("#console-lang", "ja")
    page.click("form.language button")
    expect(page).to_have_url(f"{live.base}/tours")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ツアー")
    expect(page.locator("form.signout button")).to_have_text("ログアウト")
    page.select_option("#console-lang", "en")
    page.click("form.language button")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tours")
    assert problems == []


def test_an_invalid_change_survives_a_closed_tab(context: BrowserContext, live: Live) -> None:
    page = context.new_page()
    problems = _watch(page)
    _sign_in(page, live)
    page.goto(f"{live.base}/tours/new")
    page.fill("#new-name", "Kept")
    page.fill("#new-key", "kept")
    page.click("form.card button[type=submit]")
    url = f"{live.base}/tours/kept"
    page.select_option("#steps-0-kind", "tooltip")
    page.fill("#steps-0-title-en", "Pick the import button")
    expect(page.locator("#editor-status")).to_have_attribute("data-state", "not-saved")
    page.close()
    # The draft was not saved (a tooltip needs its target) …
    assert live.draft("tour", "kept")["steps"][0]["kind"] == "modal"
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
    assert live.draft("tour", "kept")["steps"][0]["target"] == "#import"
    again.goto(url)
    expect(again.locator("#editor-restore")).to_be_hidden()
    assert problems == []
