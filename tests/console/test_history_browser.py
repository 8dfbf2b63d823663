"""Version history in Chromium: an editor publishes a changed draft, reads the diff, rolls
back, and finds all of it in the audit log, with no console error and no CSP refusal."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import ConsoleMessage, Page, Response, expect
from shirube.app import create_app
from shirube.services import content_store as store
from shirube.settings import Settings
from shirube.storage import Database

from demo_app.launcher import bind, origin_of
from tests.api.helpers import tour_doc
from tests.conftest import SECRET, make_workspace
from tests.console.conftest import PASSWORD, make_admin

pytestmark = pytest.mark.browser
EMAIL = "editor@example.com"


@dataclass(frozen=True)
class Live:
    url: str
    workspace_id: int
    database: Database


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Live]:
    path = tmp_path_factory.mktemp("history") / "shirube.db"
    path.write_bytes(sqlite_template.read_bytes())
    settings = Settings(database_url=f"sqlite:///{path}", secret_key=SECRET, env="test")
    database = Database(settings.database_url)
    workspace = make_workspace(database)
    make_admin(database, EMAIL, {workspace.id: "editor"})

    def seed(conn: Any) -> None:
        saved = store.save_draft(conn, workspace.id, "tour", tour_doc())
        store.publish(conn, saved.item)
        changed = tour_doc(steps=("s2", "s1", "s3"))
        changed["steps"][0]["title"] = {"en": "Second first", "ja": "二番目が先"}
        store.save_draft(conn, workspace.id, "tour", changed)

    database.run_sync(seed)
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


def test_publish_read_the_diff_and_roll_back(page: Page, live: Live) -> None:
    problems: list[str] = []

    def record(message: ConsoleMessage) -> None:
        # A failed load is reported below with its address.
        if message.text.startswith("Failed to load resource"):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(message.text)

    def answered(response: Response) -> None:
        # The browser's own favicon request is no page's doing.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"{response.status} {response.url}")

    page.on("console", record)
    page.on("response", answered)
    page.on("pageerror", lambda error: problems.append(str(error)))
    workspace = f"{live.url}/console/workspaces/{live.workspace_id}"
    page.goto(workspace)
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(workspace)
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
