"""Hash-routed apps (`/#/guide`): a step's `page` and a `page_visited` item match the
fragment when their pattern has one, in the widget and on the server alike (#15)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.widget.content import HASH_ROLE
from tests.widget.helpers import card, wait_anchored, wait_for
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser


def items_done(shirube: LiveShirube, user_id: str) -> set[str]:
    rows = shirube.rows(
        "SELECT item_id FROM checklist_item_progress "
        "WHERE workspace_id = ? AND user_id = ? AND checklist_key = 'hash-list'",
        shirube.workspace_id,
        user_id,
    )
    return {row[0] for row in rows}


def page_views(shirube: LiveShirube, user_id: str) -> list[str]:
    return [e["properties"]["url"] for e in shirube.events(user_id, "$page_viewed")]


def test_a_tour_moves_on_per_hash_route_and_a_hash_page_visit_completes_its_item(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/", user_id, role=HASH_ROLE) + "#/")
    home = card(page, "hash-home")
    expect(home).to_be_visible()
    wait_anchored(page, home, page.locator("#hash-home"), "bottom")
    wait_for(lambda: page_views(shirube, user_id), "the first page view was not stored")
    assert items_done(shirube, user_id) == set()  # `/#/` is not `/#/guide`

    page.locator("#hash-nav-guide").click()  # hashchange: the app renders #/guide
    guide = card(page, "hash-guide")
    expect(guide).to_be_visible()
    expect(home).to_have_count(0)
    wait_anchored(page, guide, page.locator("#guide-text"), "bottom")
    # The page view carries the fragment, and the server matches it.
    wait_for(
        lambda: items_done(shirube, user_id) == {"read-guide"},
        lambda: (
            f"items done: {items_done(shirube, user_id)}; views: {page_views(shirube, user_id)}"
        ),
    )
    assert any(url.endswith("#/guide") for url in page_views(shirube, user_id))

    page.locator("#hash-nav-home").click()  # back to #/: the guide's step waits for its route
    expect(guide).to_be_hidden()
    page.locator("#hash-nav-guide").click()
    expect(guide).to_be_visible()
    wait_anchored(page, guide, page.locator("#guide-text"), "bottom")
