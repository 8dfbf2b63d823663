"""The widget on a phone (Chromium's mobile emulation: touch, device-width viewport, a page
wider than the screen): what is fixed to a corner stays on screen (#15)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.widget.content import CHECKLIST_ROLE
from tests.widget.helpers import wait_ready
from tests.widget.servers import HostPages

pytestmark = pytest.mark.browser

ON_SCREEN = """(element) => {
  const r = element.getBoundingClientRect(), v = visualViewport;
  return [r.left >= v.offsetLeft - 1, r.top >= v.offsetTop - 1,
          r.right <= v.offsetLeft + v.width + 1, r.bottom <= v.offsetTop + v.height + 1];
}"""


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True,
        device_scale_factor=2,
    )  # fmt: skip
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_launcher_stays_on_screen_on_a_page_wider_than_the_phone(
    phone: Page, host: HostPages, user_id: str
) -> None:
    phone.goto(host.url("/wide.html", user_id, role=CHECKLIST_ROLE))
    wait_ready(phone)
    launcher = phone.locator('button[data-shirube="launcher"]')
    expect(launcher).to_be_visible()
    layout, screen = phone.evaluate("[innerWidth, visualViewport.width]")
    assert layout > screen, "the page is not wider than the screen: nothing to check"
    assert launcher.evaluate(ON_SCREEN) == [True] * 4
    # Scrolled down and sideways, it follows the screen's corner.
    phone.evaluate("window.scrollTo(200, 300)")
    phone.wait_for_function(
        f"() => ({ON_SCREEN})(document.querySelector('shirube-root').shadowRoot"
        ".querySelector('[data-shirube=launcher]')).every(Boolean)"
    )
