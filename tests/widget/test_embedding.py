"""The snippet: calls queued before the script arrives are replayed in order (a tour started
right after `identify` starts once the session is loaded), and `destroy()` leaves no trace."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.widget.helpers import card
from tests.widget.servers import HostPages

pytestmark = pytest.mark.browser


def test_a_tour_queued_before_the_script_loads_starts_after_identify(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, queued_tour="modal-trap"))
    expect(card(page, "m1")).to_be_visible()
    errors = page.evaluate("window.shirubeEvents.filter((e) => e.name === 'error')")
    assert errors == []


def test_destroy_removes_every_node(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, tour="keys"))
    expect(card(page, "k1")).to_be_visible()
    page.evaluate("Shirube.destroy()")
    expect(page.locator("shirube-root")).to_have_count(0)


def test_ui_strings_follow_the_session_locale(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, tour="keys", locale="ja"))
    japanese = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    expect(card(page, "k1").locator('[data-shirube-action="next"]')).to_have_text(japanese)
