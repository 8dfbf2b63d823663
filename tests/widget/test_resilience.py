"""The widget when its server or the browser's storage fails: a first `session` call that
failed (network, 5xx, 429) is tried again until the server answers, one it refused is not, and
a storage that refuses writes loses none of the page's events."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from tests.widget.content import CHECKLIST_ROLE
from tests.widget.helpers import (
    advance,
    card,
    error_events,
    leave_in_outbox,
    wait_for,
    wait_progress,
)
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser

# Backoff 1 s, 2 s, 4 s (jittered down to half): three failures take at most 7 s.
RETRIED_TIMEOUT_MS = 20_000

LOAD_WIDGET = """async ([src, key]) => {
  await new Promise((loaded, failed) => {
    const script = document.createElement("script");
    script.src = src;
    script.dataset.key = key;
    script.onload = loaded;
    script.onerror = failed;
    document.head.appendChild(script);
  });
}"""

IDENTIFY = """async ([user, role]) => {
  const codes = [];
  const off = Shirube.on("error", (detail) => codes.push(detail.code));
  await Shirube.identify(user, {traits: {role}});
  off();
  return codes;
}"""


def session_url(shirube: LiveShirube) -> str:
    return f"{shirube.base_url}/api/v1/widget/session"


def test_a_failed_first_session_call_is_retried_until_the_server_answers(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    calls: list[str] = []

    def flaky(route: Route) -> None:
        calls.append(route.request.method)
        if len(calls) == 1:
            route.abort("connectionrefused")  # the network
        elif len(calls) == 2:
            route.fulfill(status=503, json={"error": {"code": "unavailable", "message": "x"}})
        elif len(calls) == 3:
            route.fulfill(status=429, json={"error": {"code": "rate_limited", "message": "x"}})
        else:
            route.continue_()

    page.route(session_url(shirube), flaky)
    page.goto(host.url("/admin.html", user_id, tour="keys", role=CHECKLIST_ROLE))
    expect(card(page, "k1")).to_be_visible(timeout=RETRIED_TIMEOUT_MS)
    expect(page.locator('button[data-shirube="launcher"]')).to_be_visible()
    assert len(calls) == 4
    # Failures that passed are no error of the host's concern.
    assert error_events(page) == []


@pytest.mark.parametrize("status", [502, 200])
def test_a_proxy_error_page_instead_of_the_session_answer_is_tried_again(
    page: Page,
    host: HostPages,
    shirube: LiveShirube,
    user_id: str,
    page_errors: list[str],
    status: int,
) -> None:
    # An HTML body from a proxy in front of the server (502), or a captive portal's page with
    # a 200: the body is no JSON, the failure may pass.
    calls: list[str] = []

    def proxy(route: Route) -> None:
        calls.append(route.request.method)
        if len(calls) == 1:
            route.fulfill(status=status, content_type="text/html", body="<h1>Sign in</h1>")
        else:
            route.continue_()

    page.route(session_url(shirube), proxy)
    page.goto(host.url("/admin.html", user_id, tour="keys"))
    expect(card(page, "k1")).to_be_visible(timeout=RETRIED_TIMEOUT_MS)
    assert len(calls) == 2
    assert error_events(page) == []


def test_a_refused_session_call_is_not_retried_and_identify_starts_over(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    calls: list[str] = []

    def refuse(route: Route) -> None:
        calls.append(route.request.method)
        route.fulfill(status=403, json={"error": {"code": "origin_not_allowed", "message": "x"}})

    page.route(session_url(shirube), refuse)
    page.goto(host.url("/admin.html"))  # no snippet: this test calls identify() itself
    page.evaluate(LOAD_WIDGET, [f"{shirube.base_url}/widget/shirube.js", shirube.public_key])
    # identify() settles once the session call gave up: a retry would keep it pending.
    assert page.evaluate(IDENTIFY, [user_id, CHECKLIST_ROLE]) == ["origin_not_allowed"]
    assert len(calls) == 1
    expect(page.locator("shirube-root")).to_have_count(0)

    # The same user again, once the server accepts: the widget starts over and renders.
    page.unroute(session_url(shirube))
    assert page.evaluate(IDENTIFY, [user_id, CHECKLIST_ROLE]) == []
    expect(page.locator('button[data-shirube="launcher"]')).to_be_visible()
    page.evaluate("Shirube.startTour('modal-trap')")
    expect(card(page, "m1")).to_be_visible()


def test_no_event_is_lost_when_storage_refuses_writes(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    # An earlier page left an event in the outbox; this page's storage is full (every write
    # throws), so that stored copy can never be updated.
    earlier = f"earlier-{user_id}"
    leave_in_outbox(
        page,
        shirube,
        user_id,
        earlier,
        then="Storage.prototype.setItem = function () {"
        " throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };",
    )
    page.goto(host.url("/admin.html", user_id, tour="retry-tour"))
    expect(card(page, "a")).to_be_visible()
    advance(card(page, "a"))
    expect(card(page, "b")).to_be_visible()
    page.evaluate("Shirube.track('report.shared', {to: 'team'})")

    wait_progress(shirube, user_id, "retry-tour", ("in_progress", "b"), page=page)

    def names() -> set[str]:
        return {event["name"] for event in shirube.events(user_id)}

    expected = {"report.exported", "report.shared", "$page_viewed", "$tour_started"}
    wait_for(lambda: expected <= names(), lambda: f"events stored: {sorted(names())}", page=page)
    assert [e["id"] for e in shirube.events(user_id, "report.exported")] == [earlier]
