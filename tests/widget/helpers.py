"""Assertions the widget tests share: where a card sits, where focus is, and waiting for a
condition that settles asynchronously (layout after scrolling, rows reaching the database)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from playwright.sync_api import Locator, Page, expect

from tests.widget.servers import LiveShirube

T = TypeVar("T")
TOLERANCE = 1.5  # px: sub-pixel rounding
MAX_GAP = 32.0  # px between the card (arrow included) and its target: "next to it"
OPPOSITE = {"top": "bottom", "bottom": "top", "left": "right", "right": "left"}


def eventually(
    check: Callable[[], T],
    timeout_s: float = 10.0,
    interval_s: float = 0.1,
    page: Page | None = None,
) -> T:
    """Retry `check` until it stops raising AssertionError (auto-waiting, as Playwright's
    `expect` does); re-raise its last failure after `timeout_s`. Pass the `page` whose
    `route` handlers must keep running meanwhile: the sync API only dispatches them while one
    of its own calls waits, never during `time.sleep`."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        if page is not None:
            page.wait_for_timeout(interval_s * 1000)
        else:
            time.sleep(interval_s)


def wait_for(
    predicate: Callable[[], T],
    message: str | Callable[[], str],
    timeout_s: float = 10.0,
    page: Page | None = None,
) -> T:
    """Wait until `predicate()` is truthy and return it; fail with `message` otherwise."""

    def check() -> T:
        value = predicate()
        assert value, message() if callable(message) else message
        return value

    return eventually(check, timeout_s, page=page)


def wait_progress(
    shirube: LiveShirube,
    user_id: str,
    tour: str,
    expected: tuple[str, str],
    timeout_s: float = 10.0,
    page: Page | None = None,
) -> None:
    """Wait until the server stores (status, current step) for the user's tour."""
    wait_for(
        lambda: shirube.tour_progress(user_id, tour) == expected,
        lambda: f"server progress of {tour} is {shirube.tour_progress(user_id, tour)}",
        timeout_s,
        page,
    )


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


def box(locator: Locator) -> Box:
    found = locator.bounding_box()
    assert found is not None, f"{locator} has no box (not rendered)"
    return Box(found["x"], found["y"], found["width"], found["height"])


def side_of(card: Box, target: Box) -> str | None:
    """Which side of the target the card is on, or None when they overlap."""
    if card.bottom <= target.y + TOLERANCE:
        return "top"
    if card.y >= target.bottom - TOLERANCE:
        return "bottom"
    if card.right <= target.x + TOLERANCE:
        return "left"
    if card.x >= target.right - TOLERANCE:
        return "right"
    return None


def gap(card: Box, target: Box, side: str) -> float:
    return {
        "top": target.y - card.bottom,
        "bottom": card.y - target.bottom,
        "left": target.x - card.right,
        "right": card.x - target.right,
    }[side]


def assert_inside_viewport(page: Page, card: Box) -> None:
    size = page.viewport_size
    assert size is not None
    assert card.x >= -TOLERANCE and card.y >= -TOLERANCE, f"card {card} leaves the viewport"
    assert card.right <= size["width"] + TOLERANCE, f"card {card} leaves the viewport {size}"
    assert card.bottom <= size["height"] + TOLERANCE, f"card {card} leaves the viewport {size}"


def assert_anchored(
    page: Page, card_locator: Locator, target_locator: Locator, placement: str
) -> str:
    """The card is next to its target on the requested side or the opposite one (flipped;
    any side for `auto`), entirely inside the viewport, and its arrow sits between them,
    pointing at the target. Returns the side used."""
    card, target = box(card_locator), box(target_locator)
    requested = placement.split("-")[0]
    side = side_of(card, target)
    allowed = set(OPPOSITE) if requested == "auto" else {requested, OPPOSITE[requested]}
    assert side in allowed, (
        f"card {card} is on side {side} of target {target}; wanted {requested} or flipped"
    )
    assert gap(card, target, side) <= MAX_GAP, f"card {card} is far from its target {target}"
    assert_inside_viewport(page, card)
    arrow = box(card_locator.locator('[data-shirube-part="arrow"]'))
    ax, ay = arrow.center
    if side in ("top", "bottom"):
        assert target.x - TOLERANCE <= ax <= target.right + TOLERANCE, (
            f"arrow {arrow} does not point at target {target} (x)"
        )
        edge = card.bottom if side == "top" else card.y
        assert abs(ay - edge) <= arrow.height, f"arrow {arrow} is not on the card's edge {edge}"
    else:
        assert target.y - TOLERANCE <= ay <= target.bottom + TOLERANCE, (
            f"arrow {arrow} does not point at target {target} (y)"
        )
        edge = card.right if side == "left" else card.x
        assert abs(ax - edge) <= arrow.width, f"arrow {arrow} is not on the card's edge {edge}"
    return side


def wait_anchored(
    page: Page, card_locator: Locator, target_locator: Locator, placement: str
) -> str:
    """`assert_anchored`, once placement has settled (it follows layout asynchronously)."""
    return eventually(lambda: assert_anchored(page, card_locator, target_locator, placement))


def scroll_and_follow(
    page: Page, card_locator: Locator, target_locator: Locator, placement: str,
    scroller: Locator, pixels: int,
) -> None:  # fmt: skip
    """Scroll `scroller` down by `pixels`: the card moves up with its target, still anchored."""
    before = box(card_locator)
    scroller.evaluate("(element, pixels) => { element.scrollTop += pixels }", pixels)

    def moved_with_target() -> None:
        moved = before.y - box(card_locator).y
        assert moved > pixels / 2, f"the card moved {moved}px with its target scrolled {pixels}px"
        assert_anchored(page, card_locator, target_locator, placement)

    eventually(moved_with_target)


FOCUS_INSIDE = """(card) => {
  let active = document.activeElement;
  while (active && active.shadowRoot && active.shadowRoot.activeElement) {
    active = active.shadowRoot.activeElement;
  }
  return card.contains(active);
}"""

DEEP_ACTIVE_ID = """() => {
  let active = document.activeElement;
  while (active && active.shadowRoot && active.shadowRoot.activeElement) {
    active = active.shadowRoot.activeElement;
  }
  return active ? (active.id || active.tagName) : null;
}"""


def focus_is_inside(card: Locator) -> bool:
    inside: bool = card.evaluate(FOCUS_INSIDE)
    return inside


def wait_ready(page: Page) -> None:
    """The widget answered `identify` (its `ready` event, recorded by the snippet)."""
    page.wait_for_function("() => window.shirubeReady === true")


def card(page: Page, step: str) -> Locator:
    """A step's card (a hotspot's beacon carries the step id too, but is no dialog)."""
    return page.locator(f'[data-shirube-step="{step}"][role="dialog"]')


def open_step(page: Page, url: str, step: str) -> Locator:
    """Load a host page and wait for the step's card to show; return the card."""
    page.goto(url)
    shown = card(page, step)
    expect(shown).to_be_visible()
    return shown


NEXT_OR_DONE = '[data-shirube-action="next"], [data-shirube-action="done"]'


def advance(card_locator: Locator) -> None:
    """Press the card's primary button (Next, or Done on the last step)."""
    card_locator.locator(NEXT_OR_DONE).first.click()


DECODE_PIXELS = """async ([png, points]) => {
  const image = new Image();
  image.src = "data:image/png;base64," + png;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  return points.map(([x, y]) => [...context.getImageData(x, y, 1, 1).data.slice(0, 3)]);
}"""


def pixels(page: Page, points: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """The colours the user sees at viewport points (decoded by the browser in a scratch page:
    no image library needed)."""
    png = base64.b64encode(page.screenshot()).decode()
    scratch = page.context.new_page()
    try:
        found = scratch.evaluate(DECODE_PIXELS, [png, [list(point) for point in points]])
    finally:
        scratch.close()
    return [(r, g, b) for r, g, b in found]


def outbox_key(shirube: LiveShirube, user_id: str) -> str:
    return f"shirube:outbox:{shirube.public_key}:{user_id}"


def leave_in_outbox(
    page: Page, shirube: LiveShirube, user_id: str, event_id: str, then: str = ""
) -> None:
    """Before the page's scripts run: an earlier page of this user queued `event_id` and never
    sent it. `then`: more script to run after storing it."""
    page.add_init_script(
        f"localStorage.setItem({json.dumps(outbox_key(shirube, user_id))}, JSON.stringify("
        f"[{{id: {json.dumps(event_id)}, name: 'report.exported',"
        f" timestamp: new Date().toISOString()}}]));{then}"
    )


def error_events(page: Page) -> list[dict[str, object]]:
    """The `error` events the widget raised (the test pages record every event)."""
    errors: list[dict[str, object]] = page.evaluate(
        "window.shirubeEvents.filter((e) => e.name === 'error')"
    )
    return errors
