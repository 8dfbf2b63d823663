"""What a person does in Kintai Cloud and sees of Shirube, through the widget contract's hooks
(WIDGET-CONTRACT.md "DOM and hooks"); Playwright's CSS locators pierce the open shadow root."""

from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect
from shirube_sdk import Client

from demo_app.db import User
from tests.demo.conftest import LiveDemo

expect.set_options(timeout=10_000)

ADMIN_ITEMS = 4


def new_company(page: Page, live: LiveDemo) -> User:
    """The newcomer's path: a fresh company and its admin, onboarding at 0%."""
    admin_name = f"新井 {uuid.uuid4().hex[:6]}"
    page.goto(f"{live.url}/signin")
    page.fill("#company_name", f"はじめて商事 {admin_name}")
    page.fill("#admin_name", admin_name)
    page.click("#create-company")
    expect(page).to_have_url(f"{live.url}/dashboard")
    return next(u for u in live.store.users() if u.name == admin_name)


def sign_in(page: Page, live: LiveDemo, email: str) -> None:
    if not page.url.endswith("/signin"):
        page.goto(f"{live.url}/signin")
    page.click(f'button[data-user="{email}"]')
    expect(page).to_have_url(f"{live.url}/dashboard")


def dismiss_welcome(page: Page) -> None:
    modal = page.locator('[data-shirube="modal"][data-shirube-step="hello"]')
    expect(modal).to_be_visible()
    expect(modal).to_contain_text("Kintai Cloud へようこそ")
    modal.locator('[data-shirube-action="done"], [data-shirube-action="close"]').first.click()
    expect(modal).to_have_count(0)


def launcher(page: Page) -> Locator:
    return page.locator('button[data-shirube="launcher"]')


def panel(page: Page, key: str = "admin-setup") -> Locator:
    return page.locator(f'[data-shirube="checklist"][data-checklist="{key}"]')


def open_checklist(page: Page, key: str = "admin-setup") -> Locator:
    found = panel(page, key)
    if not found.is_visible():
        launcher(page).click()
    expect(found).to_be_visible()
    return found


def expect_progress(
    page: Page, done: int, total: int = ADMIN_ITEMS, key: str = "admin-setup"
) -> None:
    """Launcher text `done/total` and, in the panel, the bar at the same percentage."""
    expect(launcher(page)).to_contain_text(f"{done}/{total}")
    bar = open_checklist(page, key).locator('[data-shirube="progress"][role="progressbar"]')
    expect(bar).to_have_attribute("aria-valuenow", str(round(100 * done / total)))


def item(page: Page, item_id: str, key: str = "admin-setup") -> Locator:
    return panel(page, key).locator(f'[data-shirube-item="{item_id}"]')


def expect_toast(page: Page, text: str) -> None:
    expect(page.locator('[data-shirube="toast"]', has_text=text)).to_be_visible()


def step(page: Page, step_id: str, kind: str = "tooltip") -> Locator:
    return page.locator(f'[data-shirube="{kind}"][data-shirube-step="{step_id}"]')


def sdk(live: LiveDemo) -> Client:
    return Client(live.shirube_url, live.keys.secret_key, sync_mode=True)


def wait_for_progress(live: LiveDemo, user_id: str, key: str, check: Any) -> dict[str, Any]:
    """The user's checklist progress from the server API, once `check(progress)` holds."""
    client = sdk(live)
    deadline = time.monotonic() + 10
    while True:
        answer = client.progress(user_id)
        found = next(c for c in answer["checklists"] if c["key"] == key)
        if check(found) or time.monotonic() > deadline:
            client.shutdown()
            return dict(found)
        time.sleep(0.1)


def survey_answer(shirube_db: Path, user_id: str) -> tuple[Any, ...] | None:
    with sqlite3.connect(shirube_db) as conn:
        row = conn.execute(
            "SELECT rating, comment FROM survey_answer WHERE user_id = ?", (user_id,)
        ).fetchone()
    return tuple(row) if row else None
