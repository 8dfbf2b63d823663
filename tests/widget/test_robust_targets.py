"""Robust targets in a real browser (widget/src/target.ts, #14): a tour recorded on a page
(pages/robust.html) runs on that page after a host release (pages/robust-changed.html: an id
removed, classes renamed, an element moved, one gone). Each step is found through the fallback
that still works, the text as the last resort; the step whose every strategy failed is
reported by `$target_missing` with what each one found, and shows in the broken-target report
(services/broken_targets.py) read from the server's own database."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect
from shirube.services.broken_targets import Tried, broken_targets
from shirube.storage import Database
from shirube.timeutil import utcnow

from tests.widget.helpers import advance, card, wait_anchored, wait_for, wait_progress
from tests.widget.servers import HostPages, LiveShirube

# Where each step's card must point, on each page (the element a person would mean).
BEFORE = {
    "nav": "#nav-employees",
    "import": "#import-csv",
    "clock": "#clock-in",
    "gone": "#delete-all",
}
AFTER = {
    "nav": "aside a:has-text('Employees')",
    "import": "#import-button",
    "clock": ".time-card button:has-text('Clock in')",
}
PLACEMENT = {"nav": "right", "import": "bottom", "clock": "bottom", "gone": "bottom"}


def _walk(page: Page, targets: dict[str, str]) -> None:
    """Each step's card next to its element, then its Next (Done on the last shown)."""
    for step, selector in targets.items():
        shown = card(page, step)
        expect(shown).to_be_visible()
        wait_anchored(page, shown, page.locator(selector), PLACEMENT[step])
        advance(shown)
        expect(shown).to_have_count(0)


def _public(page: Page, name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(
        "(name) => window.shirubeEvents.filter((e) => e.name === name).map((e) => e.detail)", name
    )
    return found


def test_the_recorded_page_finds_every_target_by_its_primary_selector(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/robust.html", user_id, tour="robust"))
    _walk(page, BEFORE)
    wait_progress(shirube, user_id, "robust", ("completed", "gone"))
    assert shirube.events(user_id, "$target_missing") == []


def test_after_a_host_release_the_fallbacks_find_them_and_the_lost_one_is_reported(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    url = host.url("/robust-changed.html", user_id, tour="robust")
    page.goto(url)
    # nav: by its accessible name; import: by data-testid; clock: by its text among the
    # buttons the structural path matched.
    _walk(page, AFTER)
    # "Delete all" is gone: skipped after its wait, the tour completes.
    wait_progress(shirube, user_id, "robust", ("completed", "gone"))
    (stored,) = wait_for(lambda: shirube.events(user_id, "$target_missing"), "no $target_missing")
    properties = stored["properties"]
    assert properties["step"] == "gone" and properties["selector"] == "#delete-all"
    assert properties["tried"] == [
        {"by": "css", "found": 0},
        {"by": "testid", "found": 0},
        {"by": "aria", "found": 0},
        {"by": "text", "found": 0},
    ]
    assert properties["url"] == url
    (detail,) = _public(page, "target_missing")
    assert detail["selector"] == "#delete-all" and detail["tried"] == properties["tried"]
    expect(card(page, "gone")).to_have_count(0)

    # The console's report reads the same events.
    database = Database(f"sqlite:///{shirube.database_path}")
    try:
        report = database.run_sync(
            lambda conn: broken_targets(conn, shirube.workspace_id, utcnow())
        )
    finally:
        database.dispose()
    mine = [s for s in report if s.tour == "robust" and s.step == "gone"]
    assert mine and mine[0].count >= 1
    assert mine[0].selector == "#delete-all"
    assert mine[0].tried == (
        Tried("css", 0),
        Tried("testid", 0),
        Tried("aria", 0),
        Tried("text", 0),
    )
    assert host.url("/robust-changed.html") in [p.page for p in mine[0].pages]
    assert all(s.step != "nav" for s in report if s.tour == "robust")


def test_a_robust_target_matching_several_elements_is_not_guessed(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    """`main button` matches three visible buttons (and a hidden one first in the page): as a
    robust target it names none of them (missing, `found: 3`); as a string it is the first
    visible one."""
    page.goto(host.url("/robust-changed.html", user_id, tour="robust-ambiguous"))
    first = card(page, "first")
    expect(first).to_be_visible()
    wait_anchored(page, first, page.locator(".time-card button").first, "bottom")
    (stored,) = wait_for(lambda: shirube.events(user_id, "$target_missing"), "no $target_missing")
    assert stored["properties"]["step"] == "many"
    assert stored["properties"]["tried"] == [{"by": "css", "found": 3}]
