"""The workspace theme's text colour, corner radius and launcher label (#14), published through
the server API, as end users get them: on the tour's buttons and cards, and on the checklist
launcher, in the user's language. (tests/widget/test_embedding.py covers brand colour, font
and launcher position.)"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.widget import content
from tests.widget.content import CHECKLIST_ROLE
from tests.widget.helpers import card
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser

THEME = {
    **content.THEME,
    "text_color": "#fffbe6",
    "corner_radius": 0,
    "launcher_label": {"ja": "はじめに", "en": "Get started"},
}
CREAM = "rgb(255, 251, 230)"


@pytest.fixture
def themed(shirube: LiveShirube) -> Iterator[None]:
    """The theme for this test only: the other tests share the workspace and its theme."""
    shirube.post("/api/v1/workspace", {"theme": THEME}, method="PATCH")
    try:
        yield
    finally:
        shirube.post("/api/v1/workspace", {"theme": content.THEME}, method="PATCH")


@pytest.mark.usefixtures("themed")
def test_text_colour_radius_and_label_reach_end_users(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, tour="keys", role=CHECKLIST_ROLE))
    step = card(page, "k1")
    next_button = step.locator('[data-shirube-action="next"]')
    expect(next_button).to_have_css("background-color", "rgb(138, 28, 92)")
    expect(next_button).to_have_css("color", CREAM)
    expect(step).to_have_css("border-radius", "0px")
    expect(next_button).to_have_css("border-radius", "0px")
    launcher = page.locator('button[data-shirube="launcher"]')
    expect(launcher).to_have_text(re.compile(r"^Get started 0/\d+$"))
    expect(launcher).to_have_css("color", CREAM)
    expect(launcher).to_have_css("border-radius", "0px")
    # The accessible name starts with the visible words (WCAG 2.5.3, label in name).
    expect(launcher).to_have_attribute("aria-label", re.compile(r"^Get started: "))


@pytest.mark.usefixtures("themed")
def test_a_japanese_user_gets_the_japanese_label(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, role=CHECKLIST_ROLE, locale="ja"))
    launcher = page.locator('button[data-shirube="launcher"]')
    expect(launcher).to_have_text(re.compile(r"^はじめに 0/\d+$"))
    expect(launcher).to_have_attribute("aria-label", re.compile(r"^はじめに: "))
