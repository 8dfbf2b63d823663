"""First paint from the cache (#15): a returning user's tours are painted from the last session
answer while the `session` call is on the network; the fresh answer wins in the task that
brings it, and the copy is per user, without the token, and gone after `reset()`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.widget.helpers import advance, card, wait_for, wait_progress, wait_ready
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser

SESSION_URL = "**/api/v1/widget/session"

# Before the page's scripts: the step ids in every Shirube root at the first animation frame
# after the `session` answer was handled (the widget's own `loadend` handler runs first; any
# microtask it queued too). Nothing in that list was painted after the answer.
FIRST_FRAME_PROBE = """
(() => {
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (body) {
    if (String(body).includes('"user_id"'))
      this.addEventListener("loadend", () => requestAnimationFrame(() => {
        window.stepsAtAnswerFrame = [...document.querySelectorAll("shirube-root")].flatMap((host) =>
          [...host.shadowRoot.querySelectorAll("[data-shirube-step]")].map((el) => el.dataset.shirubeStep));
      }));
    return send.call(this, body);
  };
})();
"""


def cache_key(shirube: LiveShirube, user_id: str) -> str:
    return f"shirube:session:{shirube.public_key}:{user_id}"


def stored(page: Page, key: str) -> Any:
    raw = page.evaluate("(key) => localStorage.getItem(key)", key)
    return json.loads(raw) if raw else None


def wait_cached(
    page: Page, shirube: LiveShirube, user_id: str, check: Callable[[Any], bool]
) -> Any:
    """The user's cached answer once `check` holds for it."""
    key = cache_key(shirube, user_id)
    return wait_for(
        lambda: (lambda copy: copy if copy and check(copy) else None)(stored(page, key)),
        lambda: f"cached answer: {stored(page, key)}",
        page=page,
    )


def tour_in(answer: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(t for t in answer["tours"] if t["key"] == key)
    return found


class HeldSession:
    """Holds the page's `session` calls until `release()` (optionally changing the answer)."""

    def __init__(self, page: Page) -> None:
        self.routes: list[Route] = []
        page.route(SESSION_URL, lambda route: self.routes.append(route))

    def release(self, change: Callable[[dict[str, Any]], None] | None = None) -> None:
        for route in self.routes:
            if change is None:
                route.continue_()
                continue
            response = route.fetch()
            body = response.json()
            change(body)
            route.fulfill(response=response, json=body)
        self.routes.clear()


def test_a_returning_users_tooltip_paints_before_the_session_answers(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, tour="keys"))
    expect(card(page, "k1")).to_be_visible()
    copy = wait_cached(
        page, shirube, user_id, lambda c: tour_in(c, "keys")["progress"]["status"] == "in_progress"
    )
    # Only what painting needs: never the token (a credential), no checklists.
    assert copy["token"] == "" and copy["checklists"] == [] and copy["v"] == 1

    held = HeldSession(page)
    page.reload()
    wait_for(lambda: held.routes, "no session call", page=page)
    expect(card(page, "k1")).to_be_visible()
    assert held.routes, "the session answered before the tooltip was checked"
    held.release()
    # The fresh answer allows it: it stays, and the tour goes on.
    advance(card(page, "k1"))
    expect(card(page, "k2")).to_be_visible()
    wait_progress(shirube, user_id, "keys", ("in_progress", "k2"), page=page)


@pytest.mark.parametrize("fresh", ["unpublished", "finished elsewhere"])
def test_a_step_the_fresh_answer_withdraws_is_gone_by_its_first_frame(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str],
    fresh: str,
) -> None:  # fmt: skip
    url = host.url("/resume.html", user_id)  # `resume-tour`: auto, `once`
    page.goto(url)
    expect(card(page, "r1")).to_be_visible()
    wait_cached(
        page,
        shirube,
        user_id,
        lambda c: tour_in(c, "resume-tour")["progress"]["current_step"] == "r1",
    )

    def change(answer: dict[str, Any]) -> None:
        if fresh == "unpublished":
            answer["tours"] = [t for t in answer["tours"] if t["key"] != "resume-tour"]
        else:
            tour_in(answer, "resume-tour")["progress"].update(status="completed", current_step="r3")

    page.add_init_script(FIRST_FRAME_PROBE)
    held = HeldSession(page)
    page.reload()
    expect(card(page, "r1")).to_be_visible()  # painted from the cache
    held.release(change)
    page.wait_for_function("() => window.stepsAtAnswerFrame !== undefined")
    assert page.evaluate("window.stepsAtAnswerFrame") == []
    expect(page.locator("[data-shirube-step]")).to_have_count(0)
    # The page view went out after the answer: the fresh answer's token works.
    wait_for(lambda: shirube.events(user_id, "$page_viewed")[1:], "no second page view", page=page)
    expect(page.locator("[data-shirube-step]")).to_have_count(0)


def test_a_tour_the_user_finished_is_not_painted_again_from_the_cache(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/resume.html", user_id))
    for step in ("r1", "r2", "r3"):
        expect(card(page, step)).to_be_visible()
        advance(card(page, step))
    wait_progress(shirube, user_id, "resume-tour", ("completed", "r3"), page=page)
    # Once acknowledged, the events leave the outbox: the cache carries what they did.
    wait_cached(
        page,
        shirube,
        user_id,
        lambda c: tour_in(c, "resume-tour")["progress"]["status"] == "completed",
    )

    page.add_init_script(FIRST_FRAME_PROBE)
    held = HeldSession(page)
    page.reload()
    wait_ready(page)  # painted from the cache
    wait_for(lambda: held.routes, "no session call", page=page)
    expect(page.locator("[data-shirube-step]")).to_have_count(0)
    held.release()
    page.wait_for_function("() => window.stepsAtAnswerFrame !== undefined")
    assert page.evaluate("window.stepsAtAnswerFrame") == []
    expect(page.locator("[data-shirube-step]")).to_have_count(0)


def test_reset_and_another_user_leave_no_cached_answer(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    first = cache_key(shirube, user_id)
    page.goto(host.url("/admin.html", user_id, tour="keys"))
    expect(card(page, "k1")).to_be_visible()
    wait_cached(page, shirube, user_id, lambda c: True)
    page.evaluate("Shirube.reset()")
    assert stored(page, first) is None
    expect(page.locator("[data-shirube-step]")).to_have_count(0)

    # Cached again, then another user on this page (identify() switches users).
    page.evaluate(f"Shirube.identify({json.dumps(user_id)}, {{locale: 'en'}})")
    wait_cached(page, shirube, user_id, lambda c: True)
    other = f"{user_id}-other"
    page.evaluate(f"Shirube.identify({json.dumps(other)}, {{locale: 'en'}})")
    assert stored(page, first) is None
    wait_cached(page, shirube, other, lambda c: True)

    # A third user in this browser: nothing painted before their own answer.
    third = f"{user_id}-third"
    held = HeldSession(page)
    page.goto(host.url("/admin.html", third, tour="keys"))
    wait_for(lambda: held.routes, "no session call", page=page)
    expect(card(page, "k1")).to_have_count(0)
    assert page.evaluate("window.shirubeReady") is None
    held.release()
    expect(card(page, "k1")).to_be_visible()


def test_a_cached_answer_from_another_build_is_not_used(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, tour="keys"))
    copy = wait_cached(page, shirube, user_id, lambda c: True)
    copy["v"] = 0
    # Before the next page's scripts (this page may write its copy again meanwhile).
    page.add_init_script(
        f"localStorage.setItem({json.dumps(cache_key(shirube, user_id))}, "
        f"{json.dumps(json.dumps(copy))})"
    )
    held = HeldSession(page)
    page.reload()
    wait_for(lambda: held.routes, "no session call", page=page)
    expect(card(page, "k1")).to_have_count(0)
    held.release()
    expect(card(page, "k1")).to_be_visible()
