"""Progress lives on the server: a tour resumes after a reload and in another browser, retried
batches store each event once, and closing the tab keeps every step that was shown."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.widget.helpers import (
    advance,
    card,
    error_events,
    leave_in_outbox,
    open_step,
    outbox_key,
    wait_for,
    wait_progress,
    wait_ready,
)
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser

EVENTS_URL = "**/api/v1/widget/events"


def outbox(page: Page, shirube: LiveShirube, user_id: str) -> list[dict[str, Any]]:
    raw = page.evaluate("(key) => localStorage.getItem(key)", outbox_key(shirube, user_id))
    events: list[dict[str, Any]] = json.loads(raw) if raw else []
    return events


def test_tour_resumes_after_reload_and_in_another_browser(
    page: Page, browser: Browser, host: HostPages, shirube: LiveShirube, user_id: str,
    page_errors: list[str],
) -> None:  # fmt: skip
    url = host.url("/resume.html", user_id)
    page.goto(url)
    expect(card(page, "r1")).to_be_visible()
    advance(card(page, "r1"))
    expect(card(page, "r2")).to_be_visible()
    wait_progress(shirube, user_id, "resume-tour", ("in_progress", "r2"))

    page.reload()
    expect(card(page, "r2")).to_be_visible()
    expect(card(page, "r1")).to_have_count(0)

    other: BrowserContext = browser.new_context()
    try:
        second = other.new_page()
        second.goto(url)
        expect(card(second, "r2")).to_be_visible()
        advance(card(second, "r2"))
        advance(card(second, "r3"))
        expect(card(second, "r3")).to_have_count(0)
        wait_progress(shirube, user_id, "resume-tour", ("completed", "r3"))
        # `frequency: once`: a completed tour does not come back.
        second.reload()
        wait_ready(second)
        expect(second.locator("[data-shirube-step]")).to_have_count(0)
    finally:
        other.close()
    page.reload()
    wait_ready(page)
    expect(page.locator("[data-shirube-step]")).to_have_count(0)


def steps_shown(shirube: LiveShirube, user_id: str, tour: str) -> set[str]:
    """The steps the funnel counts as shown to the user."""
    found = shirube.rows(
        "SELECT step_id FROM tour_step_seen WHERE workspace_id = ? AND user_id = ? AND tour_key = ?",
        shirube.workspace_id,
        user_id,
        tour,
    )
    return {row[0] for row in found}


def test_next_is_saved_before_the_next_step_waits_for_its_page(
    page: Page, browser: Browser, host: HostPages, shirube: LiveShirube, user_id: str,
    page_errors: list[str],
) -> None:  # fmt: skip
    # hash-tour: hash-home on /#/, hash-guide on /#/guide (#15).
    page.goto(host.url("/", user_id) + "#/")
    home = card(page, "hash-home")
    expect(home).to_be_visible()
    advance(home)  # the next step waits for /#/guide
    expect(home).to_have_count(0)
    page.reload()  # right away: the step left must not come back
    wait_ready(page)
    expect(page.locator("[data-shirube-step]")).to_have_count(0)
    wait_progress(shirube, user_id, "hash-tour", ("in_progress", "hash-guide"), page=page)
    # Reached, not shown: the funnel does not count it yet.
    assert steps_shown(shirube, user_id, "hash-tour") == {"hash-home"}

    # Another browser (nothing in its storage): the server's session has the step too.
    other: BrowserContext = browser.new_context()
    try:
        second = other.new_page()
        second.goto(host.url("/", user_id) + "#/")
        wait_ready(second)
        expect(second.locator("[data-shirube-step]")).to_have_count(0)
    finally:
        other.close()

    page.locator("#hash-nav-guide").click()
    expect(card(page, "hash-guide")).to_be_visible()
    wait_for(
        lambda: steps_shown(shirube, user_id, "hash-tour") == {"hash-home", "hash-guide"},
        lambda: f"steps shown: {steps_shown(shirube, user_id, 'hash-tour')}",
        page=page,
    )


def test_after_next_the_next_steps_page_resumes_the_tour(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/", user_id) + "#/")
    advance(card(page, "hash-home"))
    expect(card(page, "hash-home")).to_have_count(0)
    # A new page load (another query), on the next step's route.
    page.goto(host.url("/", user_id, again="1") + "#/guide")
    expect(card(page, "hash-guide")).to_be_visible()
    expect(card(page, "hash-home")).to_have_count(0)


def test_retried_batches_store_every_event_once(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    attempts: list[str] = []

    def flaky(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        attempts.append(route.request.post_data or "")
        if len(attempts) == 1:
            route.fetch()  # the server stores the batch...
            route.abort("connectionreset")  # ...but its answer never arrives
        elif len(attempts) == 2:
            route.fulfill(status=503, json={"error": {"code": "unavailable", "message": "x"}})
        else:
            route.continue_()

    page.route(EVENTS_URL, flaky)
    open_step(page, host.url("/admin.html", user_id, tour="retry-tour"), "a")
    advance(card(page, "a"))
    expect(card(page, "b")).to_be_visible()
    advance(card(page, "b"))
    expect(card(page, "b")).to_have_count(0)

    wait_progress(shirube, user_id, "retry-tour", ("completed", "b"), timeout_s=30, page=page)
    wait_for(lambda: outbox(page, shirube, user_id) == [], "the outbox was never emptied", 30, page)
    assert len(attempts) >= 3
    stored = Counter(event["name"] for event in shirube.events(user_id))
    assert stored["$tour_started"] == 1
    assert stored["$tour_completed"] == 1
    assert stored["$page_viewed"] == 1
    assert shirube.steps_seen(user_id) == Counter({"a": 1, "b": 1})
    sent_ids = {event["id"] for body in attempts for event in json.loads(body)["events"]}
    assert {event["id"] for event in shirube.events(user_id)} == sent_ids


def test_closing_the_tab_mid_tour_keeps_every_step_shown(
    context: BrowserContext, host: HostPages, shirube: LiveShirube, user_id: str
) -> None:
    # Ordinary sends never get through, so only the pagehide beacon can deliver the events
    # (Playwright's routing does not see beacons).
    context.route(EVENTS_URL, lambda route: route.abort())
    page = context.new_page()
    open_step(page, host.url("/admin.html", user_id, tour="beacon-tour"), "b1")
    advance(card(page, "b1"))
    expect(card(page, "b2")).to_be_visible()
    wait_for(
        lambda: (
            {"b1", "b2"}
            <= {e.get("properties", {}).get("step") for e in outbox(page, shirube, user_id)}
        ),
        lambda: f"the outbox does not hold both steps: {outbox(page, shirube, user_id)}",
        page=page,
    )
    assert shirube.events(user_id, "$tour_step_seen") == []
    page.close()
    wait_for(
        lambda: shirube.steps_seen(user_id) == Counter({"b1": 1, "b2": 1}),
        lambda: f"steps stored after the tab closed: {shirube.steps_seen(user_id)}",
    )


def test_what_an_earlier_page_left_goes_out_with_the_first_step_seen(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    # An earlier page of this user queued an event it never sent. Nothing is sent ahead of the
    # first step: that event goes out, oldest first, in the same request as the new page's view
    # and its first step.
    earlier = f"earlier-{user_id}"
    leave_in_outbox(page, shirube, user_id, earlier)
    batches: list[list[dict[str, Any]]] = []

    def record(route: Route) -> None:
        batches.append(json.loads(route.request.post_data or "{}")["events"])
        route.continue_()

    page.route(EVENTS_URL, record)
    open_step(page, host.url("/admin.html", user_id, tour="retry-tour"), "a")
    wait_for(
        lambda: [e["id"] for e in shirube.events(user_id, "report.exported")] == [earlier],
        "the earlier page's event was not stored",
        page=page,
    )
    first = batches[0]
    assert first[0]["id"] == earlier
    assert {"$page_viewed", "$tour_started", "$tour_step_seen"} <= {e["name"] for e in first}


def test_an_expired_session_token_is_renewed_and_the_batch_resent(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    sessions: list[str] = []
    page.on(
        "request",
        lambda request: (
            sessions.append(request.url)
            if request.method == "POST" and request.url.endswith("/widget/session")
            else None
        ),
    )
    expired = {"error": {"code": "session_expired", "message": "call session again"}}
    answered: list[int] = []

    def expire_once(route: Route) -> None:
        if route.request.method == "POST" and not answered:
            answered.append(401)
            route.fulfill(status=401, json=expired)
        else:
            route.continue_()

    page.route(EVENTS_URL, expire_once)
    open_step(page, host.url("/admin.html", user_id, tour="retry-tour"), "a")
    wait_for(
        lambda: shirube.steps_seen(user_id) == Counter({"a": 1}),
        lambda: f"steps stored: {shirube.steps_seen(user_id)}",
        page=page,
    )
    assert answered == [401]
    assert len(sessions) >= 2, "the widget did not call session again after session_expired"


def test_a_refused_batch_is_split_and_what_the_server_accepts_alone_is_stored(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    """A 422 for a batch says one of its events is bad, not which: the widget sends the batch
    again one event at a time. (The server refusing one event for real: test_embedding.)"""
    refused: list[str] = []

    def refuse_first_batch(route: Route) -> None:
        body = route.request.post_data or ""
        if route.request.method == "POST" and not refused and len(json.loads(body)["events"]) > 1:
            refused.append(body)
            error = {"code": "validation_error", "message": "events[0].name: bad", "fields": []}
            route.fulfill(status=422, json={"error": error})
        else:
            route.continue_()

    page.route(EVENTS_URL, refuse_first_batch)
    open_step(page, host.url("/admin.html", user_id, tour="retry-tour"), "a")
    advance(card(page, "a"))
    expect(card(page, "b")).to_be_visible()
    wait_for(lambda: refused, "no batch of several events was sent", page=page)
    split = {event["id"] for event in json.loads(refused[0])["events"]}
    wait_for(
        lambda: split <= {event["id"] for event in shirube.events(user_id)},
        "the events of the refused batch were not sent again one by one",
        page=page,
    )
    wait_for(
        lambda: shirube.steps_seen(user_id)["b"] == 1,
        lambda: f"steps stored: {shirube.steps_seen(user_id)}",
        page=page,
    )
    assert error_events(page) == []


def test_a_dismissed_once_tour_stays_away(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    first = open_step(page, host.url("/resume.html", user_id), "r1")
    first.locator('[data-shirube-action="skip"]').click()
    expect(first).to_have_count(0)
    wait_progress(shirube, user_id, "resume-tour", ("dismissed", "r1"))
    page.reload()
    wait_ready(page)
    expect(page.locator("[data-shirube-step]")).to_have_count(0)


def test_an_until_completed_tour_comes_back_in_a_new_session_after_a_dismissal(
    page: Page, browser: Browser, host: HostPages, shirube: LiveShirube, user_id: str,
    page_errors: list[str],
) -> None:  # fmt: skip
    url = host.url("/again.html", user_id)
    page.goto(url)
    first = card(page, "g1")
    expect(first).to_be_visible()
    page.keyboard.press("Escape")
    expect(first).to_have_count(0)
    wait_progress(shirube, user_id, "again-tour", ("dismissed", "g1"))
    other = browser.new_context()  # a new browser session
    try:
        second = other.new_page()
        second.goto(url)
        expect(card(second, "g1").or_(card(second, "g2"))).to_be_visible()
    finally:
        other.close()
