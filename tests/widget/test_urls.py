"""URLs the widget navigates to (a step's call to action, a checklist item's "go to URL"):
relative or http(s) only, whatever the session answer says. The server's validator already
refuses other schemes; these tests smuggle them into the answer on its way to the page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.widget.content import CHECKLIST_ROLE
from tests.widget.helpers import advance, card, wait_ready
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser

# Each sets window.shirubeXss if it ever runs.
CTA_SCRIPT = "javascript:void(window.shirubeXss='cta')"
ITEM_SCRIPTS = {
    "take-tour": " JaVaScript:void(window.shirubeXss='item')",  # case and a leading space
    "import": "java\tscript:void(window.shirubeXss='tab')",  # the URL parser drops the tab
    "data": "data:text/html,<script>parent.shirubeXss='data'</script>",
}
SAFE_CTA = "/admin.html#docs"


def smuggle(answer: dict[str, Any]) -> None:
    """What a compromised or buggy server could send."""
    tour = next(t for t in answer["tours"] if t["key"] == "retry-tour")
    tour["steps"][0]["cta"] = {"label": "Run", "url": CTA_SCRIPT}
    tour["steps"][1]["cta"] = {"label": "Docs", "url": SAFE_CTA}
    checklist = next(c for c in answer["checklists"] if c["key"] == "basics")
    items = checklist["items"]
    items.append({**items[1], "id": "data", "title": "Data URL"})
    for item in items:
        item["action"] = {"type": "url", "url": ITEM_SCRIPTS[item["id"]]}
    items.append(
        {**items[1], "id": "safe", "title": "Safe", "action": {"type": "url", "url": "#safe"}}
    )


def test_script_urls_in_a_session_answer_are_never_followed(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    def tamper(route: Route) -> None:
        response = route.fetch()
        answer = response.json()
        smuggle(answer)
        route.fulfill(response=response, json=answer)

    page.route(f"{shirube.base_url}/api/v1/widget/session", tamper)
    url = host.url("/admin.html", user_id, tour="retry-tour", role=CHECKLIST_ROLE)
    page.goto(url)
    wait_ready(page)

    # The step's CTA with a script URL is left out; a relative one is kept.
    first = card(page, "a")
    expect(first).to_be_visible()
    expect(first.locator('[data-shirube-action="cta"]')).to_have_count(0)
    advance(first)
    cta = card(page, "b").locator('[data-shirube-action="cta"]')
    expect(cta).to_have_attribute("href", SAFE_CTA)
    advance(card(page, "b"))

    page.evaluate("Shirube.openChecklist('basics')")
    panel = page.locator('[data-shirube="checklist"][data-checklist="basics"]')
    for item in ITEM_SCRIPTS:
        panel.locator(f'[data-shirube-item="{item}"] [data-shirube-action="item"]').click()
    # A URL that may be followed is, after the others: had any of them navigated (a script
    # URL runs as a navigation), it would have run by the time this one is done.
    panel.locator('[data-shirube-item="safe"] [data-shirube-action="item"]').click()
    page.wait_for_url(url + "#safe")
    assert page.evaluate("window.shirubeXss") is None
