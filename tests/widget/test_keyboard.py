"""Keyboard, focus and perception: arrows, Enter and Escape drive a tour; focus moves into each
card, stays inside a modal step while Tab is pressed, and returns to where it was when the tour
ends; hotspots are focusable; text has WCAG AA contrast; reduced motion means no animation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.widget.helpers import (
    DEEP_ACTIVE_ID,
    advance,
    card,
    focus_is_inside,
    open_step,
    wait_anchored,
    wait_for,
    wait_progress,
    wait_ready,
)
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser

# WCAG 2 contrast of every text-bearing element of a card against its effective background.
CONTRASTS = """(card) => {
  const rgba = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement || node.getRootNode().host) {
      const color = rgba(getComputedStyle(node).backgroundColor);
      if (color.length === 3 || color[3] === 1) return color.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const found = [];
  for (const element of [card, ...card.querySelectorAll("*")]) {
    const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(element);
    const fore = luminance(rgba(style.color)), back = luminance(background(element));
    const ratio = (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 ||
      (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
    found.push({ text: element.textContent.trim().slice(0, 30), ratio, needed: large ? 3 : 4.5 });
  }
  return found;
}"""

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
    wait_anchored(page, hint, page.locator("#content-export"), "auto")
    advance(hint)
    expect(beacon).to_have_count(0)
    wait_progress(shirube, user_id, "hotspot-tour", ("completed", "hint"))


def test_card_text_has_wcag_aa_contrast(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    first = open_step(page, host.url("/admin.html", user_id, tour="keys"), "k1")
    contrasts = first.evaluate(CONTRASTS)
    assert contrasts, "no text found in the card"
    failing = [c for c in contrasts if c["ratio"] < c["needed"]]
    assert failing == []


def test_reduced_motion_means_no_animation(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.emulate_media(reduced_motion="reduce")
    first = open_step(page, host.url("/admin.html", user_id, tour="keys"), "k1")
    durations = first.evaluate(
        """(card) => [card, ...card.querySelectorAll("*")].flatMap((element) => {
          const style = getComputedStyle(element);
          return [...style.transitionDuration.split(","), ...style.animationDuration.split(",")]
            .map((value) => parseFloat(value)).filter((value) => value > 0.01);
        })"""
    )
    assert durations == []


def test_arrow_keys_typed_in_a_host_field_do_not_move_the_tour(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    first = open_step(page, host.url("/admin.html", user_id, tour="keys"), "k1")
    search = page.locator("#nav-search")
    search.click()
    page.keyboard.type("abc")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    page.keyboard.type("X")
    expect(search).to_have_value("abXc")
    expect(first).to_be_visible()
    expect(card(page, "k2")).to_have_count(0)


def test_enter_on_a_focused_card_button_activates_that_button(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    first = open_step(page, host.url("/admin.html", user_id, tour="keys"), "k1")
    first.locator('[data-shirube-action="skip"]').focus()
    page.keyboard.press("Enter")  # Skip, not Next
    expect(page.locator("[data-shirube-step]")).to_have_count(0)
    wait_progress(shirube, user_id, "keys", ("dismissed", "k1"))


DEEP_FOCUS_OUTLINE = """() => {
  let active = document.activeElement;
  while (active && active.shadowRoot && active.shadowRoot.activeElement) {
    active = active.shadowRoot.activeElement;
  }
  return getComputedStyle(active).outlineStyle;
}"""
LIVE_REGION = """() => [...document.querySelectorAll('shirube-root')]
  .map((root) => root.shadowRoot.querySelector('[role=status]'))
  .filter(Boolean).map((region) => region.textContent)"""


def test_tab_out_of_a_tooltip_returns_to_its_target_with_a_visible_focus_ring(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    """WAI-ARIA's non-modal dialog: Tab is not trapped; from the card's last control it goes
    back to the element the step points at (#15)."""
    page.goto(host.url("/admin.html", user_id))
    start_from_a_host_button(page, "keys")
    first = card(page, "k1")
    wait_for(lambda: focus_is_inside(first), "focus did not move into the card")
    controls = first.locator("button, a[href]").count()
    for _ in range(controls):
        page.keyboard.press("Tab")
        assert focus_is_inside(first)
        assert page.evaluate(DEEP_FOCUS_OUTLINE) != "none", "no visible focus ring"
    page.keyboard.press("Tab")
    wait_for(
        lambda: page.evaluate(DEEP_ACTIVE_ID) == "content-export",
        lambda: f"focus went to {page.evaluate(DEEP_ACTIVE_ID)}, not back to the target",
    )
    expect(first).to_be_visible()  # the step stays; Shift+Tab-ing back is the host's order


def test_each_step_is_announced_to_screen_readers(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id))
    start_from_a_host_button(page, "keys")
    expect(card(page, "k1")).to_be_visible()
    wait_for(lambda: page.evaluate(LIVE_REGION) == ["1 / 3 Title k1"], "step 1 not announced")
    page.keyboard.press("ArrowRight")
    wait_for(lambda: page.evaluate(LIVE_REGION) == ["2 / 3 Title k2"], "step 2 not announced")
    page.keyboard.press("Escape")
    wait_for(lambda: page.evaluate(LIVE_REGION) == [], "the announcer outlived the tour")
