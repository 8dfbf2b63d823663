"""A tooltip shows only while some of its target is really visible, in a page built like an
admin template (`pages/template.html`: a sidebar that collapses to width 0 with overflow
hidden, a sticky banner, a long page), and follows it on events, never by polling (#15)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.widget.helpers import box, card, eventually, open_step, wait_anchored, wait_ready
from tests.widget.servers import HostPages

pytestmark = pytest.mark.browser

SPOTLIGHT = '[data-shirube="spotlight"]'
TOGGLE_SIDEBAR = "document.getElementById('sidebar').classList.toggle('collapsed')"
# Counts the animation frames anyone asks for (the widget included), from before it loads.
COUNT_FRAMES = """
window.framesAsked = 0;
const ask = window.requestAnimationFrame.bind(window);
window.requestAnimationFrame = (callback) => (window.framesAsked++, ask(callback));
"""


def test_a_sidebar_collapsing_around_the_target_hides_the_card_and_its_dimming(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    current = open_step(page, host.url("/template.html", user_id, tour="tpl-side"), "side-link")
    link = page.locator("#tpl-link")
    wait_anchored(page, current, link, "right")
    page.evaluate(TOGGLE_SIDEBAR)  # the link keeps its own box: only its ancestor shrinks
    expect(current).to_be_hidden()
    expect(page.locator(SPOTLIGHT)).to_be_hidden()
    # Scrolled while closed, then opened: the card comes back with no further scroll.
    page.evaluate("window.scrollBy(0, 20)")
    page.evaluate(TOGGLE_SIDEBAR)
    expect(current).to_be_visible()
    expect(page.locator(SPOTLIGHT)).to_be_visible()
    wait_anchored(page, current, link, "right")
    assert page_errors == []


def test_the_dimming_goes_with_the_card_when_the_target_scrolls_out_of_view(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    current = open_step(page, host.url("/template.html", user_id, tour="tpl-export"), "export")
    page.evaluate("window.scrollTo(0, 2000)")
    expect(current).to_be_hidden()
    expect(page.locator(SPOTLIGHT)).to_be_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    expect(current).to_be_visible()
    expect(page.locator(SPOTLIGHT)).to_be_visible()
    wait_anchored(page, current, page.locator("#tpl-export"), "bottom")


@pytest.mark.parametrize(
    "hide, show",
    [
        (  # a host modal's backdrop covers the whole page
            "document.body.append(Object.assign(document.createElement('div'),"
            " {className: 'backdrop', id: 'backdrop'}))",
            "document.getElementById('backdrop').remove()",
        ),
        (
            "document.getElementById('sidebar').style.visibility = 'hidden'",
            "document.getElementById('sidebar').style.visibility = ''",
        ),
        (
            "document.getElementById('sidebar').style.opacity = '0'",
            "document.getElementById('sidebar').style.opacity = ''",
        ),
    ],
    ids=["covered", "visibility-hidden", "transparent"],
)
def test_a_target_covered_or_made_invisible_in_place_hides_the_card(
    page: Page, host: HostPages, user_id: str, page_errors: list[str], hide: str, show: str
) -> None:
    current = open_step(page, host.url("/template.html", user_id, tour="tpl-side"), "side-link")
    page.evaluate(hide)
    expect(current).to_be_hidden()
    expect(page.locator(SPOTLIGHT)).to_be_hidden()
    page.evaluate(show)
    expect(current).to_be_visible()
    wait_anchored(page, current, page.locator("#tpl-link"), "right")


def test_no_frame_is_painted_for_a_target_the_app_replaced(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    current = open_step(page, host.url("/template.html", user_id, tour="tpl-export"), "export")
    # Checked after the microtasks that follow the replacement: before any frame is painted.
    painted = current.evaluate(
        """async (card) => {
          const old = document.getElementById('tpl-export');
          old.replaceWith(old.cloneNode(true));
          await null;
          return card.isConnected && getComputedStyle(card).visibility !== 'hidden';
        }"""
    )
    assert painted is False
    # The new element with the same selector gets the step back.
    wait_anchored(page, card(page, "export"), page.locator("#tpl-export"), "bottom")


@pytest.mark.parametrize("tour", ["tpl-export", None], ids=["tooltip", "launcher-only"])
def test_an_idle_page_asks_for_no_animation_frames(
    page: Page, host: HostPages, user_id: str, page_errors: list[str], tour: str | None
) -> None:
    page.add_init_script(COUNT_FRAMES)
    if tour:
        current = open_step(page, host.url("/template.html", user_id, tour=tour), "export")
        wait_anchored(page, current, page.locator("#tpl-export"), "bottom")
    else:
        page.goto(host.url("/template.html", user_id))
        wait_ready(page)
    page.wait_for_timeout(300)  # the frames that follow the first layout end
    before = page.evaluate("window.framesAsked")
    page.wait_for_timeout(1000)
    assert page.evaluate("window.framesAsked") == before


LAID_OUT_INSIDE = """(card) => {
  // Where the text itself is (a Range), not its element's box: overflowing text leaves it.
  const text = (el) => { const r = document.createRange(); r.selectNodeContents(el); return r.getBoundingClientRect(); };
  const box = card.getBoundingClientRect();
  const close = card.querySelector('[data-shirube-action=close]').getBoundingClientRect();
  const title = text(card.querySelector('[role=heading]'));
  const body = card.querySelector('.b');
  return {
    inViewport: box.left >= 0 && box.right <= innerWidth,
    titleClearOfClose: title.right <= close.left + 1 || title.top >= close.bottom,
    bodyScrollsSideways: body.scrollWidth > body.clientWidth + 1,
    everyTextInside: [...card.querySelectorAll('button, a, .h, .b')].every((el) => {
      const r = text(el);
      return r.left >= box.left - 1 && r.right <= box.right + 1;
    }),
  };
}"""


@pytest.mark.parametrize("width", [1024, 360])
def test_long_words_wrap_inside_the_card(
    page: Page, host: HostPages, user_id: str, page_errors: list[str], width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 700})
    expected = {
        "inViewport": True, "titleClearOfClose": True, "bodyScrollsSideways": False,
        "everyTextInside": True,
    }  # fmt: skip
    current = open_step(page, host.url("/template.html", user_id, tour="long-words"), "long-word")
    assert current.evaluate(LAID_OUT_INSIDE) == expected
    current.locator('[data-shirube-action="next"]').click()
    modal = card(page, "long-word-modal")
    expect(modal).to_be_visible()
    assert modal.evaluate(LAID_OUT_INSIDE) == expected


def test_a_card_does_not_cover_the_menu_its_target_opens(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    current = open_step(page, host.url("/template.html", user_id, tour="tpl-dropdown"), "actions")
    wait_anchored(page, current, page.locator("#tpl-actions"), "bottom")
    page.locator("#tpl-actions").click()
    menu = page.locator(".dropdown-menu")
    expect(menu).to_be_visible()

    def clear_of_the_menu() -> None:
        card_box, menu_box = box(current), box(menu)
        overlap_x = min(card_box.right, menu_box.right) - max(card_box.x, menu_box.x)
        overlap_y = min(card_box.bottom, menu_box.bottom) - max(card_box.y, menu_box.y)
        assert overlap_x <= 0 or overlap_y <= 0, f"card {card_box} covers the menu {menu_box}"

    eventually(clear_of_the_menu)
    page.locator("#tpl-archive").click()  # a real click: fails if something covers it
    assert page.evaluate("window.archived") is True
    # Closed again: the card goes back next to the toggle.
    page.locator("#tpl-actions").click()
    expect(menu).to_be_hidden()
    wait_anchored(page, current, page.locator("#tpl-actions"), "bottom")


def test_a_card_follows_a_target_scrolled_inside_a_web_component(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    """The scroll happens in a shadow root (not composed): the card follows it all the same."""
    current = open_step(page, host.url("/template.html", user_id, tour="tpl-slotted"), "slotted")
    target = page.locator("#tpl-slotted")
    page.evaluate("document.getElementById('tpl-shadow').scrollIntoView()")  # room around it
    wait_anchored(page, current, target, "right")
    before = box(current).y
    page.evaluate(
        "document.getElementById('tpl-shadow').shadowRoot.getElementById('scroller').scrollTop += 60"
    )

    def moved_with_the_scroll() -> None:
        moved = before - box(current).y
        assert abs(moved - 60) < 2, f"the card moved {moved}px, the target 60px"

    eventually(moved_with_the_scroll)
    wait_anchored(page, current, target, "right")
