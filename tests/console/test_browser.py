"""The demo's console login, in Chromium: the servers `make demo` starts (the launcher's own
`build`, on free ports with temporary databases), signed in through the form with the
admin email and password the banner prints."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from demo_app.launcher import banner, bind, build, origin_of
from demo_app.provision import WORKSPACE_NAME, DemoKeys
from tests.conftest import SECRET
from tests.console.live import watch

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Demo:
    shirube_url: str
    keys: DemoKeys
    banner: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("console")
    shirube_socket, demo_socket = bind("127.0.0.1", 0), bind("127.0.0.1", 0)
    env = {
        "SHIRUBE_DATABASE_URL": f"sqlite:///{folder / 'shirube.db'}",
        "SHIRUBE_SECRET_KEY": SECRET,
    }
    keys_path = folder / "keys.json"
    running, keys, settings = build(
        shirube_socket, demo_socket, keys_path, folder / "kintai.db", env
    )
    thread = threading.Thread(target=asyncio.run, args=(running.serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the demo servers did not start")
        time.sleep(0.05)
    shirube_url = origin_of(shirube_socket)
    try:
        yield Demo(shirube_url, keys, banner(keys, shirube_url, settings.origin, Path(keys_path)))
    finally:
        running.stop()
        thread.join(15)


def test_the_banner_login_opens_the_console(page: Page, demo: Demo) -> None:
    console_url = f"{demo.shirube_url}/console"
    assert f"Console:          {console_url}\n" in demo.banner
    problems = watch(page, every_error=False)
    page.goto(console_url)
    expect(page).to_have_url(f"{console_url}/login")
    page.fill("#email", demo.keys.admin_email)
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")

    page.fill("#password", demo.keys.admin_password)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{console_url}/")
    link = page.get_by_role("link", name=WORKSPACE_NAME)
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(f"{console_url}/workspaces/{demo.keys.workspace_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(WORKSPACE_NAME)
    expect(page.get_by_text(demo.keys.public_key)).to_be_visible()
    expect(page.locator('[data-objective="checklist:admin-setup"]')).to_contain_text(
        "はじめてのセットアップ"
    )
    # The stylesheet loaded under the CSP (default-src 'self').
    expect(page.locator(".brand")).to_have_css("color", "rgb(11, 110, 79)")

    page.click(".signout button")
    expect(page).to_have_url(f"{console_url}/login")
    page.goto(f"{console_url}/workspaces/{demo.keys.workspace_id}")
    expect(page).to_have_url(f"{console_url}/login")
    assert problems == []
