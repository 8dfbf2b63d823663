"""Finding targets in hard hosts: one that renders two seconds late, one that never comes
(`if_missing`), a single-page app changing routes, and a target inside a native modal dialog."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.widget.helpers import (
    advance,
    card,
    focus_is_inside,
    open_step,
    wait_anchored,
    wait_for,
    wait_ready,
)
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser

TOPMOST_IS_INSIDE = """(card) => {
  const box = card.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  let element = document.elementFromPoint(x, y);
  while (element && element.shadowRoot) {
    const inner = element.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === element) break;
    element = inner;
  }
  return card.contains(element);
}"""


def page_events(page: Page, name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(
        "(name) => window.shirubeEvents.filter((e) => e.name === name).map((e) => e.detail)", name
    )
    return found


def test_a_target_rendered_two_seconds_late_is_found(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/late.html", user_id, tour="late-tour"))
    current = card(page, "late")
    expect(current).to_be_visible(timeout=15_000)
    wait_anchored(page, current, page.locator("#late-button"), "bottom")


def test_a_hidden_target_is_waited_for_until_it_is_shown(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/late.html", user_id, tour="hidden-tour"))
    wait_ready(page)
    revealed = page.locator("#revealed-button")
    current = card(page, "revealed")
    expect(current).to_be_hidden()  # nothing to point at yet
    page.evaluate("document.getElementById('collapsed').hidden = false")  # the user opens it
    expect(current).to_be_visible()
    wait_anchored(page, current, revealed, "bottom")


def test_a_step_advances_when_the_user_does_its_event(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    open_step(page, host.url("/admin.html", user_id, tour="event-tour"), "e1")
    page.evaluate("Shirube.track('exported')")
    expect(card(page, "e2")).to_be_visible()
    expect(card(page, "e1")).to_have_count(0)


def test_a_tour_triggered_by_an_event_starts_when_the_user_does_it(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id))
    wait_ready(page)
    expect(card(page, "t1")).to_have_count(0)
    page.evaluate("Shirube.track('report.opened')")
    expect(card(page, "t1")).to_be_visible()


@pytest.mark.parametrize(("tour", "after_shown"), [("missing-skip", True), ("missing-end", False)])
def test_a_missing_target_is_reported_then_skipped_or_ends_the_tour(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, tour: str,
    after_shown: bool, page_errors: list[str],
) -> None:  # fmt: skip
    page.goto(host.url("/admin.html", user_id, tour=tour))
    stored = wait_for(lambda: shirube.events(user_id, "$target_missing"), "no $target_missing")
    assert stored[0]["properties"]["tour"] == tour
    assert stored[0]["properties"]["step"] == "gone"
    details = wait_for(lambda: page_events(page, "target_missing"), "no target_missing event")
    assert details[0]["step"] == "gone" and details[0]["selector"] == "#does-not-exist"
    expect(card(page, "gone")).to_have_count(0)
    if after_shown:
        expect(card(page, "after")).to_be_visible()
    else:
        expect(card(page, "after")).to_have_count(0)


def test_a_multi_page_tour_follows_spa_routes_and_full_navigation(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    home = open_step(page, host.url("/spa", user_id), "home")
    wait_anchored(page, home, page.locator("#spa-nav-settings"), "right")
    page.locator("#spa-nav-settings").click()  # advances the step; the app pushes /spa/settings
    assert page.url.endswith("/spa/settings")
    settings = card(page, "settings")
    expect(settings).to_be_visible()
    wait_anchored(page, settings, page.locator("#settings-form"), "bottom")
    page.go_back()  # popstate to /spa: the step belongs to /spa/settings, so it waits
    expect(settings).to_be_hidden()
    page.go_forward()
    expect(settings).to_be_visible()
    wait_anchored(page, settings, page.locator("#settings-form"), "bottom")
    advance(settings)  # the next step belongs to /spa/reports
    expect(page.locator("[data-shirube-step]")).to_have_count(0)
    reports = open_step(page, host.url("/spa/reports", user_id), "reports")
    wait_anchored(page, reports, page.locator("#report-chart"), "top")

    # Every route change is a page view (checklist items complete on `page_visited`).
    def pages_viewed() -> set[str]:
        events = shirube.events(user_id, "$page_viewed")
        return {urlsplit(event["properties"]["url"]).path for event in events}

    wait_for(
        lambda: {"/spa", "/spa/settings", "/spa/reports"} <= pages_viewed(),
        lambda: f"page views stored: {pages_viewed()}",
    )


def test_back_then_forward_before_the_widget_looks_brings_the_step_back(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    """Back puts the step away at once (its target leaves with the route); Forward, before the
    widget's route check has run, must bring it back (#15)."""
    open_step(page, host.url("/spa", user_id), "home")
    page.locator("#spa-nav-settings").click()
    settings = card(page, "settings")
    expect(settings).to_be_visible()
    page.evaluate(
        """async () => {
          history.pushState(null, "", "/spa");
          dispatchEvent(new PopStateEvent("popstate"));
          await null; await null;  // the target is gone: the step is put away
          history.pushState(null, "", "/spa/settings");
          dispatchEvent(new PopStateEvent("popstate"));
        }"""
    )
    expect(settings).to_be_visible()
    wait_anchored(page, settings, page.locator("#settings-form"), "bottom")


def test_a_target_the_app_re_renders_is_found_again(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    open_step(page, host.url("/spa", user_id), "home")
    page.locator("#spa-nav-settings").click()
    settings = card(page, "settings")
    expect(settings).to_be_visible()
    wait_anchored(page, settings, page.locator("#settings-form"), "bottom")
    # The app renders the view again: the target is replaced by a new element with its id.
    page.evaluate("render()")
    expect(settings).to_be_visible()
    wait_anchored(page, settings, page.locator("#settings-form"), "bottom")


def start_with_the_dialog_open(page: Page, host: HostPages, user_id: str, tour: str) -> None:
    page.goto(host.url("/dialog.html", user_id))
    wait_ready(page)
    page.locator("#open-dialog").click()  # showModal(): everything outside it is inert
    page.evaluate("(key) => Shirube.startTour(key)", tour)


def test_a_card_sits_above_a_native_modal_dialog_and_can_be_used(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    start_with_the_dialog_open(page, host, user_id, "dialog-tour")
    first = card(page, "dlg-save")
    expect(first).to_be_visible()
    wait_anchored(page, first, page.locator("#dlg-save"), "bottom")
    assert first.evaluate(TOPMOST_IS_INSIDE), "the dialog covers the card"
    wait_for(lambda: focus_is_inside(first), "focus did not move into the card in the dialog")
    advance(first)  # clickable: neither inert nor covered
    second = card(page, "dlg-name")
    expect(second).to_be_visible()
    wait_anchored(page, second, page.locator("#dlg-name"), "right")
    assert second.evaluate(TOPMOST_IS_INSIDE), "the dialog covers the card"
    advance(second)
    expect(second).to_have_count(0)
    expect(page.locator("#dlg")).to_have_attribute("open", "")


def test_a_modal_step_started_while_a_native_modal_dialog_is_open_is_usable(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    start_with_the_dialog_open(page, host, user_id, "modal-trap")
    modal = card(page, "m1")
    expect(modal).to_be_visible()
    assert modal.evaluate(TOPMOST_IS_INSIDE), "the dialog covers the card"
    wait_for(lambda: focus_is_inside(modal), "focus did not move into the modal step")
    advance(modal)  # clickable: not made inert by the host's modal dialog
    expect(modal).to_have_count(0)


def test_escape_closes_the_tour_card_not_the_host_dialog_under_it(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    start_with_the_dialog_open(page, host, user_id, "dialog-tour")
    first = card(page, "dlg-save")
    expect(first).to_be_visible()
    wait_for(lambda: focus_is_inside(first), "focus did not move into the card in the dialog")
    page.keyboard.press("Escape")  # closes the topmost layer only: the tour card
    expect(first).to_have_count(0)
    expect(page.locator("#dlg")).to_have_attribute("open", "")
