"""An invited admin in Chromium: the owner invites, the newcomer signs in with the password
shown, is held on the password page whatever they open, chooses their own and reaches the
workspace; no console error, no CSP refusal."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from shirube.app import create_app
from shirube.settings import Settings
from shirube.storage import Database

from demo_app.launcher import bind, origin_of
from tests.conftest import SECRET, make_workspace
from tests.console.conftest import PASSWORD, make_admin

pytestmark = pytest.mark.browser
OWNER = "owner@example.com"
NEWCOMER = "newcomer@example.com"


@dataclass(frozen=True)
class Live:
    url: str
    workspace_id: int


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Live]:
    path = tmp_path_factory.mktemp("password") / "shirube.db"
    path.write_bytes(sqlite_template.read_bytes())
    settings = Settings(database_url=f"sqlite:///{path}", secret_key=SECRET, env="test")
    database = Database(settings.database_url)
    workspace = make_workspace(database)
    make_admin(database, OWNER, {workspace.id: "owner"})
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
        yield Live(origin_of(sock), workspace.id)
    finally:
        server.should_exit = True
        thread.join(10)
        database.dispose()


def _watch(page: Page, problems: list[str]) -> None:
    def record(message: ConsoleMessage) -> None:
        # Loads answered with an error status (the refused form's 422, the favicon's 404).
        if message.text.startswith("Failed to load resource"):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("console", record)
    page.on("pageerror", lambda error: problems.append(str(error)))


def _sign_in(page: Page, console: str, email: str, password: str) -> None:
    page.goto(f"{console}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_an_invited_admin_chooses_a_password_then_works(
    page: Page, browser: Browser, live: Live
) -> None:
    console = f"{live.url}/console"
    problems: list[str] = []
    _watch(page, problems)
    _sign_in(page, console, OWNER, PASSWORD)
    page.goto(f"{console}/workspaces/{live.workspace_id}/admins")
    page.fill("#email", NEWCOMER)
    page.click("form[action$='/admins'] button[type=submit]")
    given = page.locator('[data-secret="password"]').inner_text()

    newcomer = browser.new_page()
    _watch(newcomer, problems)
    _sign_in(newcomer, console, NEWCOMER, given)
    expect(newcomer).to_have_url(f"{console}/password")
    expect(newcomer.locator("[data-pending]")).to_be_visible()
    newcomer.goto(f"{console}/workspaces/{live.workspace_id}")
    expect(newcomer).to_have_url(f"{console}/password")
    newcomer.fill("#current_password", given)
    newcomer.fill("#new_password", "my own password")
    newcomer.fill("#new_password_again", "my own passwort")
    newcomer.locator("#new_password_again").evaluate("e => e.form.noValidate = true")
    newcomer.click("main button[type=submit]")
    expect(newcomer.get_by_role("alert")).to_contain_text("does not match")
    newcomer.fill("#current_password", given)
    newcomer.fill("#new_password", "my own password")
    newcomer.fill("#new_password_again", "my own password")
    newcomer.click("main button[type=submit]")
    expect(newcomer.get_by_role("status")).to_contain_text("Your password was changed")
    expect(newcomer.locator("[data-pending]")).to_have_count(0)
    newcomer.goto(f"{console}/workspaces/{live.workspace_id}")
    expect(newcomer).to_have_url(f"{console}/workspaces/{live.workspace_id}")
    # The header's link leads every admin to the same page.
    newcomer.get_by_role("link", name="Password").click()
    expect(newcomer).to_have_url(f"{console}/password")
    newcomer.close()
    assert problems == []
