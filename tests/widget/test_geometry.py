"""Where cards go in hard hosts: fixed navbar and sidebar, a target below the fold, a target in
a scrolling table, a page whose global CSS tries to restyle everything."""

from __future__ import annotations

from collections import Counter

import pytest
from playwright.sync_api import Page, expect

from tests.widget.helpers import (
    advance,
    assert_inside_viewport,
    box,
    card,
    eventually,
    open_step,
    pixels,
    scroll_and_follow,
    wait_anchored,
    wait_for,
)
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser

ADMIN_STEPS = [
    ("navbar", "#nav-search", "top"),
    ("sidebar", "#side-reports", "right"),
    ("content", "#content-export", "left"),
    ("deep", "#bottom-target", "top"),
]

SHIFT_LAYOUT = """() => {
  const banner = document.createElement("div");
  banner.className = "card";
  banner.style.height = "150px";
  banner.textContent = "Trial ends in 3 days";
  document.getElementById("content").prepend(banner);
}"""


def test_cards_sit_next_to_targets_in_a_fixed_layout(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, tour="geo-admin"))
    for index, (step, selector, placement) in enumerate(ADMIN_STEPS):
        current, target = card(page, step), page.locator(selector)
        expect(current).to_be_visible()
        expect(current).to_have_attribute("data-shirube", "tooltip")
        expect(current.locator('[data-shirube-part="counter"]')).to_contain_text(
            f"{index + 1} / {len(ADMIN_STEPS)}"
        )
        side = wait_anchored(page, current, target, placement)
        if step == "navbar":
            assert side == "bottom", "no room above a fixed top navbar: the card must flip"
            # The target is fixed: scrolling the page must not detach the card from it.
            page.evaluate("window.scrollBy(0, 400)")
            wait_anchored(page, current, target, placement)
        if step == "sidebar":
            page.set_viewport_size({"width": 900, "height": 600})
            wait_anchored(page, current, target, placement)
        if step == "content":
            # A layout shift: the host inserts a banner above the target.
            page.evaluate(SHIFT_LAYOUT)
            wait_anchored(page, current, target, placement)
        if step == "deep":
            target_box = box(target)
            assert_inside_viewport(page, target_box)  # scrolled into view
        if index < len(ADMIN_STEPS) - 1:
            advance(current)
            expect(current).to_have_count(0)
    # Scrolling, resizing and layout shifts re-place cards; they are not new step views.
    expected = Counter(step for step, _, _ in ADMIN_STEPS)
    wait_for(
        lambda: shirube.steps_seen(user_id) == expected,
        lambda: f"step views stored: {shirube.steps_seen(user_id)}",
    )


def test_card_follows_a_target_inside_a_scrolling_table(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/table.html", user_id, tour="geo-table"))
    current, target = card(page, "row"), page.locator("#row-35-edit")
    container = page.locator("#table-wrap")
    expect(current).to_be_visible()

    def target_visible_in_container() -> None:
        inner, outer = box(target), box(container)
        assert outer.y - 1 <= inner.y and inner.bottom <= outer.bottom + 1, (inner, outer)

    eventually(target_visible_in_container)
    wait_anchored(page, current, target, "right")
    scroll_and_follow(page, current, target, "right", container, 40)

    # Scrolled out of its container's view, the target cannot be pointed at: the card hides
    # (instead of floating over the table header or the page), and comes back with it.
    container.evaluate("(element) => { element.scrollTop = 0 }")
    expect(current).to_be_hidden()
    target.evaluate("(element) => element.scrollIntoView({ block: 'nearest' })")
    expect(current).to_be_visible()
    wait_anchored(page, current, target, "right")


def test_aggressive_global_css_does_not_reach_the_card(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    current = open_step(page, host.url("/aggressive.html", user_id, tour="aggressive-tour"), "agg")
    wait_anchored(page, current, page.locator("#agg-target"), "bottom")
    for part in (current.get_by_text("Title agg"), current.locator("button").first):
        size = part.evaluate("(element) => getComputedStyle(element).fontSize")
        assert float(size.removesuffix("px")) <= 20, f"host CSS leaked into the card: {size}"
    assert box(current).width <= 480
    advance(current)
    expect(current).to_have_count(0)


def test_card_follows_a_target_in_a_transformed_app_shell_scroller(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    current = open_step(page, host.url("/scroller.html", user_id, tour="geo-shell"), "shell")
    target = page.locator("#deep-target")
    wait_anchored(page, current, target, "top")
    assert_inside_viewport(page, box(target))  # scrolled into view inside the shell
    scroll_and_follow(page, current, target, "top", page.locator("#shell"), 120)


def test_card_fits_a_phone_sized_viewport(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.set_viewport_size({"width": 360, "height": 640})
    current = open_step(page, host.url("/admin.html", user_id, tour="keys"), "k1")
    wait_anchored(page, current, page.locator("#content-export"), "bottom")


def test_start_and_end_placements_align_the_card_with_its_target(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, tour="geo-align"))
    edges = {  # placement → (card edge, target edge) that must line up
        "bottom-end": ("right", "right"),
        "right-start": ("y", "y"),
        "bottom-start": ("x", "x"),
    }
    selectors = {"bottom-end": "#content-export", "right-start": "#side-reports",
                 "bottom-start": "#heading"}  # fmt: skip
    for step, (card_edge, target_edge) in edges.items():
        current, target = card(page, step), page.locator(selectors[step])
        expect(current).to_be_visible()
        wait_anchored(page, current, target, step)

        def aligned() -> None:
            got, want = getattr(box(current), card_edge), getattr(box(target), target_edge)  # noqa: B023
            assert abs(got - want) <= 2, f"{step}: card {card_edge} {got}, target {want}"  # noqa: B023

        eventually(aligned)
        advance(current)
        expect(current).to_have_count(0)


def test_the_spotlight_cut_out_is_clipped_to_the_scrolling_container(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.emulate_media(reduced_motion="reduce")
    page.goto(host.url("/table.html", user_id, tour="geo-table"))
    current, target = card(page, "row"), page.locator("#row-35-edit")
    container = page.locator("#table-wrap")
    expect(current).to_be_visible()
    wait_anchored(page, current, target, "right")
    # Leave only the top 10 px of the target inside the container's view.
    shift = box(target).y - (box(container).bottom - 10)
    container.evaluate("(element, shift) => { element.scrollTop += shift }", shift)
    edge = box(container).bottom
    x = int(box(target).center[0])
    visible_part, clipped_part = (x, int(edge - 4)), (x, int(edge + 14))

    def cut_out_stops_at_the_container() -> None:
        seen, hidden = pixels(page, [visible_part, clipped_part])
        assert sum(hidden) < 3 * 200, f"the cut-out spills out of the container: {hidden}"
        assert sum(seen) > sum(hidden), f"the visible part is dimmed too: {seen} vs {hidden}"

    eventually(cut_out_stops_at_the_container)


def test_cards_stay_in_the_viewport_of_a_quirks_mode_page(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/quirks.html", user_id, tour="geo-quirks"))
    assert page.evaluate("document.compatMode") == "BackCompat"
    current, target = card(page, "low"), page.locator("#low-target")
    expect(current).to_be_visible()
    wait_anchored(page, current, target, "bottom")
    # <body> scrolls the page in quirks mode; with room below the target now, the card may
    # flip back below it, so only "anchored" is asserted.
    page.locator("body").evaluate("(body) => { body.scrollTop += 200 }")
    wait_anchored(page, current, target, "bottom")


def test_cards_sit_next_to_targets_on_a_zoomed_page(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    current = open_step(page, host.url("/zoom.html", user_id, tour="geo-zoom"), "zoomed")
    target = page.locator("#zoomed-target")
    wait_anchored(page, current, target, "bottom")


@pytest.mark.parametrize("step", ["long-tooltip", "long-modal"])
def test_a_card_with_a_long_body_fits_a_phone_and_its_buttons_stay_reachable(
    page: Page, host: HostPages, user_id: str, step: str, page_errors: list[str]
) -> None:
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(host.url("/admin.html", user_id, tour=step))
    current = card(page, step)
    expect(current).to_be_visible()
    eventually(lambda: assert_inside_viewport(page, box(current)))
    advance(current)  # the primary button can be reached and clicked
    expect(current).to_have_count(0)
