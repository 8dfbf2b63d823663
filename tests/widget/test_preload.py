"""Session preload (#15, docs/widget.md "Session preload"): the SDK snippet starts the widget's
first `session` call while the script downloads, and the widget takes that request instead of
making its own, but only for an identical first call; an older snippet works as before."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, Request, Route, expect

from tests.widget.helpers import card, wait_for
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser

SESSION_URL = "**/api/v1/widget/session"


def session_users(page: Page) -> list[str]:
    """The user id of every `session` request the page makes, in order (filled as they go)."""
    users: list[str] = []

    def seen(request: Request) -> None:
        if request.url.endswith("/api/v1/widget/session"):
            users.append(json.loads(request.post_data or "{}").get("user_id"))

    page.on("request", seen)
    return users


def add_script(page: Page, shirube: LiveShirube) -> None:
    page.evaluate(
        """([src, key]) => { const s = document.createElement("script");
            s.src = src; s.dataset.key = key; document.head.appendChild(s); }""",
        [f"{shirube.base_url}/widget/shirube.js", shirube.public_key],
    )


def test_the_preload_is_the_only_session_request(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    users = session_users(page)
    page.goto(host.url("/admin.html", user_id, tour="keys", preload="1"))
    expect(card(page, "k1")).to_be_visible()
    assert users == [user_id]


def test_a_preload_answered_before_the_script_ran_is_used(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    users = session_users(page)
    with page.expect_response(SESSION_URL) as answered:
        page.goto(host.url("/admin.html", user_id, tour="keys", preload="1", late="1"))
    assert answered.value.status == 200
    assert page.evaluate("Shirube.p[1].then((reply) => reply.status)") == 200
    add_script(page, shirube)
    expect(card(page, "k1")).to_be_visible()
    assert users == [user_id]


def test_identify_with_another_user_before_load_gets_its_own_session(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    other = f"{user_id}-b"
    users = session_users(page)
    page.goto(host.url("/admin.html", user_id, tour="keys", preload="1", then_user=other))
    expect(card(page, "k1")).to_be_visible()
    page.wait_for_function(
        "(user) => shirubeEvents.some((e) => e.name === 'ready' && e.detail.user === user)",
        arg=other,
    )
    # The preload was the first user's (whose identify the widget replays first): the second
    # user's session is a request of its own, never the first user's answer.
    assert users == [user_id, other]
    ready = page.evaluate(
        "shirubeEvents.filter((e) => e.name === 'ready').map((e) => e.detail.user)"
    )
    assert ready[-1] == other


def test_a_preload_that_is_not_the_first_call_is_dropped(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    other = f"{user_id}-x"
    users = session_users(page)
    page.goto(host.url("/admin.html", user_id, tour="keys", preload="1", late="1"))
    wait_for(lambda: users or None, lambda: "no preload", page=page)
    # The page identified someone else before the snippet's user: the widget's first call is
    # theirs, which the preload is not; the snippet's user then gets a request of its own.
    page.evaluate("(user) => Shirube.q.unshift(['identify', [user, {locale: 'en'}]])", other)
    add_script(page, shirube)
    expect(card(page, "k1")).to_be_visible()
    assert users == [user_id, other, user_id]


def test_a_failed_preload_takes_the_retry_path(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    failed: list[str] = []

    def first_fails(route: Route) -> None:
        if failed:
            route.continue_()
        else:
            failed.append(route.request.url)
            route.fulfill(status=503, body="{}", headers={"Access-Control-Allow-Origin": "*"})

    page.route(SESSION_URL, first_fails)
    users = session_users(page)
    page.goto(host.url("/admin.html", user_id, tour="keys", preload="1"))
    expect(card(page, "k1")).to_be_visible()
    assert users == [user_id, user_id]
    errors: Any = page.evaluate("shirubeEvents.filter((e) => e.name === 'error')")
    assert errors == []


def test_an_older_snippet_without_preload_still_works(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    users = session_users(page)
    page.goto(host.url("/admin.html", user_id, tour="keys"))
    expect(card(page, "k1")).to_be_visible()
    assert users == [user_id]
