"""Keyboard and focus: arrows, Enter and Escape drive a tour; focus moves into each card, stays
inside a modal step while Tab is pressed, and returns to where it was when the tour ends."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.widget.helpers import (
    DEEP_ACTIVE_ID,
    advance,
    assert_anchored,
    card,
    eventually,
    focus_is_inside,
    wait_for,
    wait_ready,
)
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser

LABEL_TEXT = """(card, attribute) => {
  const ids = (card.getAttribute(attribute) || "").split(/\\s+/).filter(Boolean);
  return ids.map((id) => card.getRootNode().getElementById(id)?.textContent ?? "").join(" ");
}"""


def start_from_a_host_button(page: Page, tour: str) -> None:
    wait_ready(page)
    page.locator("#focus-origin").focus()
    page.evaluate("(key) => Shirube.startTour(key)", tour)


def test_arrows_enter_and_escape_drive_the_tour_and_focus_returns(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id))
    start_from_a_host_button(page, "keys")
    first = card(page, "k1")
    expect(first).to_be_visible()
    expect(first).to_have_attribute("role", "dialog")
    assert "Title k1" in first.evaluate(LABEL_TEXT, "aria-labelledby")
    assert "Body of step k1." in first.evaluate(LABEL_TEXT, "aria-describedby")
    wait_for(lambda: focus_is_inside(first), "focus did not move into the card")

    page.keyboard.press("ArrowRight")
    expect(card(page, "k2")).to_be_visible()
    expect(first).to_have_count(0)
    page.keyboard.press("ArrowLeft")
    expect(first).to_be_visible()
    page.keyboard.press("ArrowRight")
    second = card(page, "k2")
    expect(second).to_be_visible()
    wait_for(lambda: focus_is_inside(second), "focus is not in the new card")
    page.keyboard.press("Enter")
    third = card(page, "k3")
    expect(third).to_be_visible()

    page.keyboard.press("Escape")
    expect(page.locator("[data-shirube-step]")).to_have_count(0)
    wait_for(
        lambda: page.evaluate(DEEP_ACTIVE_ID) == "focus-origin",
        lambda: f"focus went to {page.evaluate(DEEP_ACTIVE_ID)}, not back to the host button",
    )
    dismissed = wait_for(lambda: shirube.events(user_id, "$tour_dismissed"), "no $tour_dismissed")
    assert dismissed[0]["properties"]["tour"] == "keys"
    assert dismissed[0]["properties"].get("step") == "k3"


def test_tab_is_trapped_inside_a_modal_step(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id))
    start_from_a_host_button(page, "modal-trap")
    modal = card(page, "m1")
    expect(modal).to_be_visible()
    expect(modal).to_have_attribute("data-shirube", "modal")
    expect(modal).to_have_attribute("role", "dialog")
    wait_for(lambda: focus_is_inside(modal), "focus did not move into the modal")
    for key in ["Tab"] * 8 + ["Shift+Tab"] * 8:
        page.keyboard.press(key)
        assert focus_is_inside(modal), f"{key} moved focus out of the modal step"
    modal.locator('[data-shirube-action="close"]').click()
    expect(modal).to_have_count(0)
    wait_for(
        lambda: page.evaluate(DEEP_ACTIVE_ID) == "focus-origin",
        lambda: f"focus went to {page.evaluate(DEEP_ACTIVE_ID)}, not back to the host button",
    )


def test_a_hotspot_is_a_focusable_beacon_that_opens_its_card(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, tour="hotspot-tour"))
    beacon = page.locator('button[data-shirube="hotspot"][data-shirube-step="hint"]')
    expect(beacon).to_be_visible()
    hint = card(page, "hint")
    expect(hint).to_be_hidden()
    beacon.focus()  # keyboard users reach it with Tab
    expect(hint).to_be_visible()
    expect(hint).to_have_attribute("data-shirube", "tooltip")
    eventually(lambda: assert_anchored(page, hint, page.locator("#content-export"), "auto"))
    advance(hint)
    expect(beacon).to_have_count(0)
    wait_for(
        lambda: shirube.tour_progress(user_id, "hotspot-tour") == ("completed", "hint"),
        lambda: f"server progress is {shirube.tour_progress(user_id, 'hotspot-tour')}",
    )
