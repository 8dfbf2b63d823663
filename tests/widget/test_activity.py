"""Active time in a real browser (widget/src/activity.ts): `$active` heartbeats about once a
minute while the user gives input to a visible, focused page, none while idle, hidden or
blurred, the rest flushed when the page is hidden, and every listener gone after destroy().

Minutes pass on Playwright's fake clock (`page.clock`): timers and `Date` move only when the
test says so; the requests themselves are real."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page

from tests.widget.helpers import eventually, wait_ready
from tests.widget.servers import HostPages, LiveShirube

MINUTE = 60_000
INPUTS = ("pointerdown", "keydown", "scroll", "touchstart")

# What the page looks like hidden, or in a window without focus (Playwright's pages always
# report both visible and focused).
HIDE = """() => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
  document.dispatchEvent(new Event("visibilitychange"));
}"""
SHOW = """() => {
  delete document.hidden;
  delete document.visibilityState;
  document.dispatchEvent(new Event("visibilitychange"));
}"""
BLUR = """() => {
  document.hasFocus = () => false;
  window.dispatchEvent(new FocusEvent("blur"));
}"""


def _heartbeats(page: Page) -> Callable[[], list[int]]:
    """The `seconds` of every `$active` event the page sends, in order (a retried or beaconed
    copy of one event counted once)."""
    seen: dict[str, int] = {}

    def record(request: Any) -> None:
        if "/api/v1/widget/events" not in request.url or request.method != "POST":
            return
        for event in request.post_data_json["events"]:
            if event["name"] == "$active":
                seen.setdefault(event["id"], event["properties"]["seconds"])

    page.on("request", record)
    return lambda: list(seen.values())


def _open(page: Page, host: HostPages, user_id: str) -> Callable[[], list[int]]:
    page.clock.install()
    sent = _heartbeats(page)
    page.goto(host.url("/admin.html", user_id))
    wait_ready(page)
    return sent


def _type(page: Page, seconds: int, every: int = 10) -> None:
    """A user at work: a key, a click or a scroll every `every` seconds, for `seconds`."""
    for n in range(seconds // every):
        if n % 3 == 0:
            page.keyboard.press("Shift")
        elif n % 3 == 1:
            page.mouse.click(2, 2)
        else:
            # Any element's scroll counts (the listener captures on window).
            page.evaluate("document.body.dispatchEvent(new Event('scroll'))")
        page.clock.run_for(every * 1000)


def _stored(shirube: LiveShirube, user_id: str) -> int:
    return sum(event["properties"]["seconds"] for event in shirube.events(user_id, "$active"))


def test_heartbeats_while_active_and_none_when_idle(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    sent = _open(page, host, user_id)
    page.clock.run_for(5 * MINUTE)
    assert sent() == [], "no input yet: not active"

    _type(page, 180)
    eventually(lambda: _check(len(sent()) == 3, sent()), page=page)
    # About one a minute, each about a minute's worth.
    assert all(55 <= seconds <= 61 for seconds in sent()), sent()

    # Idle: the minute after the last input still counts, then nothing more is sent.
    page.clock.run_for(10 * MINUTE)
    page.wait_for_timeout(300)
    total = sum(sent())
    assert 229 <= total <= 231, sent()
    assert len(sent()) == 4
    page.clock.run_for(30 * MINUTE)
    page.wait_for_timeout(300)
    assert len(sent()) == 4, "idle: no heartbeats"
    eventually(lambda: _check(_stored(shirube, user_id) == total, total), page=page)


def test_nothing_while_hidden_or_blurred_and_the_rest_flushed_on_hide(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    sent = _open(page, host, user_id)
    _type(page, 20)
    # Hidden: the 20 s go out at once, not a minute later with a heartbeat.
    page.evaluate(HIDE)
    eventually(lambda: _check(sent() == [20], sent()), page=page)
    _type(page, 180)
    page.clock.run_for(10 * MINUTE)
    page.wait_for_timeout(300)
    assert sent() == [20], "hidden: input does not count"

    page.evaluate(SHOW)
    _type(page, 30)
    page.evaluate(BLUR)
    _type(page, 180)
    page.clock.run_for(10 * MINUTE)
    page.wait_for_timeout(300)
    # The 30 s before the blur, and nothing typed after it.
    assert sent() == [20, 30], sent()
    eventually(lambda: _check(_stored(shirube, user_id) == 50, sent()), page=page)


LISTENERS = """() => window.__listeners
  .filter(([target, type]) => target === window || target === document)
  .map(([target, type, options]) =>
    [target === window ? "window" : "document", type, JSON.stringify(options ?? null)])"""

# Every listener added to window and document, and removed: what is left is still listening.
COUNT_LISTENERS = """(() => {
  window.__listeners = [];
  const same = (a, b) => JSON.stringify(a[3] ?? null) === JSON.stringify(b ?? null);
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (type, handler, options) {
    window.__listeners.push([this, type, options, handler]);
    return add.call(this, type, handler, options);
  };
  EventTarget.prototype.removeEventListener = function (type, handler, options) {
    const capture = (o) => (typeof o === "boolean" ? o : !!o?.capture);
    const at = window.__listeners.findIndex(
      (l) => l[0] === this && l[1] === type && l[3] === handler && capture(l[2]) === capture(options));
    if (at >= 0) window.__listeners.splice(at, 1);
    return remove.call(this, type, handler, options);
  };
})();"""


PASSIVE = '{"capture":true,"passive":true}'


def _ours(entries: list[list[str]]) -> list[list[str]]:
    """The listeners the widget adds for active time and page hiding (not Playwright's)."""
    return [
        entry
        for entry in entries
        if (entry[1] in INPUTS and entry[2] == PASSIVE)
        or (entry[1] in ("blur", "pagehide", "visibilitychange") and entry[2] == "null")
    ]


def test_listeners_removed_on_destroy(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    page.add_init_script(COUNT_LISTENERS)
    sent = _open(page, host, user_id)
    listening = _ours(page.evaluate(LISTENERS))
    # Capturing (every element's scroll) and passive (never delays the host's handlers).
    assert sorted(listening) == sorted(
        [
            *(["window", kind, PASSIVE] for kind in INPUTS),
            ["window", "blur", "null"],
            ["window", "pagehide", "null"],
            ["document", "visibilitychange", "null"],
        ]
    )
    page.evaluate("Shirube.destroy()")
    assert _ours(page.evaluate(LISTENERS)) == []
    # And no timer either: input after destroy() sends nothing, however long the page stays.
    _type(page, 180)
    page.clock.run_for(10 * MINUTE)
    page.wait_for_timeout(300)
    assert sent() == []


def _check(condition: bool, detail: object) -> None:
    assert condition, detail
