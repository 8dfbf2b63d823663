"""The snippet: calls queued before the script arrives are replayed in order (a tour started
right after `identify` starts once the session is loaded), and `destroy()` leaves no trace."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.widget.conftest import BUNDLE
from tests.widget.content import CHECKLIST_ROLE
from tests.widget.helpers import (
    advance,
    box,
    card,
    error_events,
    open_step,
    wait_for,
    wait_progress,
    wait_ready,
)
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser


def test_a_tour_queued_before_the_script_loads_starts_after_identify(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    open_step(page, host.url("/admin.html", user_id, queued_tour="modal-trap"), "m1")
    assert error_events(page) == []


def test_destroy_removes_every_node(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    open_step(page, host.url("/admin.html", user_id, tour="keys"), "k1")
    page.evaluate("Shirube.destroy()")
    expect(page.locator("shirube-root")).to_have_count(0)


def test_ui_strings_follow_the_session_locale(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, tour="keys", locale="ja"))
    japanese = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    expect(card(page, "k1").locator('[data-shirube-action="next"]')).to_have_text(japanese)


def test_reset_signs_out_and_identify_switches_user(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, role=CHECKLIST_ROLE))
    wait_ready(page)
    launcher = page.locator('button[data-shirube="launcher"]')
    expect(launcher).to_be_visible()
    page.evaluate("Shirube.reset()")
    expect(launcher).to_have_count(0)
    # Another user, without the checklist's audience trait, sees no checklist.
    page.evaluate("(user) => Shirube.identify(user, {traits: {role: 'other'}})", f"{user_id}-b")
    page.evaluate("Shirube.startTour('modal-trap')")
    expect(card(page, "m1")).to_be_visible()
    expect(launcher).to_be_hidden()


def test_the_workspace_theme_styles_the_widget(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    # tests/widget/content.py THEME: brand #8a1c5c, Georgia, launcher bottom-left.
    page.goto(host.url("/admin.html", user_id, tour="keys", role=CHECKLIST_ROLE))
    next_button = card(page, "k1").locator('[data-shirube-action="next"]')
    expect(next_button).to_have_css("background-color", "rgb(138, 28, 92)")
    expect(next_button).to_have_css("font-family", re.compile("Georgia"))
    launcher = page.locator('button[data-shirube="launcher"]')
    expect(launcher).to_be_visible()
    viewport = page.viewport_size
    assert viewport is not None and box(launcher).right < viewport["width"] / 2


def test_the_widget_works_where_storage_is_blocked(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    # Blocked third-party storage or a locked-down browser: touching localStorage throws.
    page.add_init_script(
        "Object.defineProperty(window, 'localStorage', {get() {"
        " throw new DOMException('The operation is insecure.', 'SecurityError'); }});"
    )
    open_step(page, host.url("/admin.html", user_id, tour="retry-tour"), "a")
    advance(card(page, "a"))
    expect(card(page, "b")).to_be_visible()
    wait_progress(shirube, user_id, "retry-tour", ("in_progress", "b"))


def test_a_throwing_host_handler_does_not_break_the_tour(
    page: Page, host: HostPages, user_id: str
) -> None:
    page.goto(host.url("/admin.html", user_id))
    wait_ready(page)
    page.evaluate(
        "Shirube.on('step_seen', () => { throw new Error('bug in the host analytics'); });"
        "Shirube.startTour('retry-tour');"
    )
    expect(card(page, "a")).to_be_visible()
    advance(card(page, "a"))
    expect(card(page, "b")).to_be_visible()


def test_identify_again_with_the_same_user_changes_nothing_on_screen(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    # React's StrictMode and re-rendering layouts call identify() more than once.
    open_step(page, host.url("/admin.html", user_id, tour="keys", role=CHECKLIST_ROLE), "k1")
    page.evaluate(
        "async (user) => { await Shirube.identify(user, {traits: {role: 'checklist-tester'}}); }",
        user_id,
    )
    wait_for(lambda: shirube.events(user_id, "$tour_started"), "no $tour_started")
    expect(page.locator("shirube-root")).to_have_count(1)
    expect(page.locator("[data-shirube-step]")).to_have_count(1)
    expect(page.locator('button[data-shirube="launcher"]')).to_have_count(1)
    advance(card(page, "k1"))
    expect(card(page, "k2")).to_be_visible()
    assert len(shirube.events(user_id, "$tour_started")) == 1


def test_host_events_are_stored_and_a_bad_one_sinks_nothing(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id))
    wait_ready(page)
    page.evaluate(
        """() => {
          const loop = {}; loop.self = loop;
          Shirube.track("report.exported", {format: "csv", rows: 120});
          Shirube.track("bad.circular", loop);           // cannot be JSON
          Shirube.track("bad.element", {node: document.body});
          Shirube.track("report.shared", {to: "team"});
        }"""
    )

    def host_events() -> dict[str, dict[str, object]]:
        return {e["name"]: e["properties"] for e in shirube.events(user_id) if "." in e["name"]}

    wait_for(
        lambda: {"report.exported", "report.shared"} <= host_events().keys(),
        lambda: f"host events stored: {host_events()}",
    )
    found = host_events()
    assert found["report.exported"] == {"format": "csv", "rows": 120}
    assert found["report.shared"] == {"to": "team"}


def test_an_event_the_server_refuses_takes_nothing_else_with_it(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    """The server refuses a batch with one invalid event (here 101 property keys, over its
    limit of 100) as a whole: the widget splits it and sends the rest one by one."""
    page.goto(host.url("/admin.html", user_id))
    wait_ready(page)
    page.evaluate(
        """() => {
          const many = {};
          for (let i = 0; i < 101; i++) many["k" + i] = i;
          Shirube.track("report.exported", {format: "csv"});
          Shirube.track("bad.too_many_keys", many);
          Shirube.track("report.shared", {to: "team"});
        }"""
    )

    def names() -> set[str]:
        return {e["name"] for e in shirube.events(user_id)}

    wait_for(
        lambda: {"report.exported", "report.shared", "$page_viewed"} <= names(),
        lambda: f"events stored: {sorted(names())}",
    )
    assert "bad.too_many_keys" not in names()
    wait_for(
        lambda: error_events(page),
        "no `error` event for the refused one",
    )


def test_starting_an_unknown_tour_reports_an_error_and_breaks_nothing(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id))
    wait_ready(page)
    page.evaluate("Shirube.startTour('no-such-tour')")
    wait_for(
        lambda: error_events(page),
        "no `error` event for an unknown tour",
    )
    page.evaluate("Shirube.startTour('modal-trap')")
    expect(card(page, "m1")).to_be_visible()


def test_data_server_names_the_server_of_a_script_served_elsewhere(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    # A copy of the script on the host's own origin (a CDN): the API is still data-server's.
    copy = f"{host.origin}/cdn/widget/shirube.js"
    page.route(copy, lambda route: route.fulfill(path=BUNDLE, content_type="text/javascript"))
    page.goto(host.url("/admin.html"))  # no snippet: the test loads the script itself
    page.evaluate(
        """([src, key, server]) => new Promise((loaded) => {
          const script = document.createElement("script");
          script.src = src;
          script.dataset.key = key;
          script.dataset.server = server;
          script.onload = loaded;
          document.head.appendChild(script);
        })""",
        [copy, shirube.public_key, shirube.base_url],
    )
    # startTour waits for the session; a wrong server would be retried, not answer.
    page.evaluate("(user) => { Shirube.identify(user); Shirube.startTour('modal-trap'); }", user_id)
    expect(card(page, "m1")).to_be_visible()
