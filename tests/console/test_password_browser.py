"""An invited admin in Chromium: the owner invites, the newcomer signs in with the password
shown, is held on the password page whatever they open, chooses their own and reaches the
workspace; no console error, no CSP refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.console.conftest import PASSWORD
from tests.console.live import Live, serve_console

pytestmark = pytest.mark.browser
OWNER = "owner@example.com"
NEWCOMER = "newcomer@example.com"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Live]:
    with serve_console(tmp_path_factory.mktemp("password"), sqlite_template, OWNER, "owner") as it:
        yield it


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
