"""The widget leaves its host alone and cannot be turned against it: host styles and attributes
are unchanged when it loads, server text is never run as HTML, and it works under a strict
Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.widget.content import CHECKLIST_ROLE, XSS_TITLE
from tests.widget.helpers import advance, box, card, eventually, pixels, wait_anchored
from tests.widget.servers import HostPages

pytestmark = pytest.mark.browser

HOST_ELEMENTS = [
    "html", "body", "#navbar", "#sidebar", "#content", "#heading", "#intro", "#toolbar-card",
    "#content-export", "#focus-origin", "#side-reports", "#nav-search", "#bottom-target",
]  # fmt: skip

COMPUTED_STYLES = """(selectors) => Object.fromEntries(selectors.map((selector) => {
  const style = getComputedStyle(document.querySelector(selector));
  return [selector, Object.fromEntries([...style].map((name) => [name, style.getPropertyValue(name)]))];
}))"""

# Records every change the widget could make to host nodes: attributes (style, class, inert,
# aria-*) anywhere in the light DOM, and nodes added other than its own root.
WATCH_HOST = """() => {
  window.hostMutations = [];
  new MutationObserver((records) => {
    for (const record of records) {
      const where = `${record.target.nodeName}#${record.target.id || ""}`;
      if (record.type === "attributes") {
        window.hostMutations.push(`${where} [${record.attributeName}] was ${record.oldValue}`);
      } else if (record.type === "childList") {
        for (const node of record.addedNodes) {
          if (!["SHIRUBE-ROOT", "SCRIPT"].includes(node.nodeName)) {
            window.hostMutations.push(`${node.nodeName} added to ${where}`);
          }
        }
      }
    }
  }).observe(document, { attributes: true, attributeOldValue: true, childList: true, subtree: true });
}"""


def changed_styles(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        selector: {
            name: (value, after[selector].get(name))
            for name, value in styles.items()
            if after[selector].get(name) != value
        }
        for selector, styles in before.items()
        if styles != after[selector]
    }


def test_host_styles_and_attributes_are_unchanged_when_the_widget_loads(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    # A tour card, its spotlight and the checklist launcher all on screen.
    page.goto(host.url("/admin.html", user_id, tour="styles-tour", defer="1", role=CHECKLIST_ROLE))
    before = page.evaluate(COMPUTED_STYLES, HOST_ELEMENTS)
    page.evaluate(WATCH_HOST)
    page.evaluate("window.loadShirube()")
    current = card(page, "styled")
    expect(current).to_be_visible()
    wait_anchored(page, current, page.locator("#content-export"), "bottom")
    expect(page.locator('button[data-shirube="launcher"]')).to_be_visible()
    after = page.evaluate(COMPUTED_STYLES, HOST_ELEMENTS)
    assert changed_styles(before, after) == {}
    assert page.evaluate("window.hostMutations") == []
    advance(current)
    expect(current).to_have_count(0)
    assert page.evaluate("window.hostMutations") == []


def test_markup_in_titles_and_bodies_is_shown_as_text_and_never_runs(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    page.goto(host.url("/admin.html", user_id, tour="xss-tour"))
    for step in ("x1", "x2"):
        current = card(page, step)
        expect(current).to_be_visible()
        expect(current).to_contain_text(XSS_TITLE)
        expect(current).to_contain_text("<script>window.shirubeXss='body'</script>")
        expect(current.locator("img, script, iframe, object, embed, svg image")).to_have_count(0)
        expect(current.locator("strong, b").filter(has_text="bold")).to_have_count(1)
        hrefs = current.locator("a").evaluate_all("(links) => links.map((a) => a.href)")
        assert all(href.split(":")[0] in ("http", "https", "mailto") for href in hrefs), hrefs
        current.get_by_text("click me").first.click()
        assert page.evaluate("window.shirubeXss") is None
        advance(current)
    expect(page.locator("[data-shirube-step]")).to_have_count(0)
    assert page.evaluate("window.shirubeXss") is None
    assert dialogs == []


def test_widget_works_under_a_strict_content_security_policy(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', (e) =>"
        " window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));"
    )
    response = page.goto(host.url("/csp.html", user_id, tour="csp-tour", csp="1"))
    assert response is not None and "script-src" in response.headers["content-security-policy"]
    current = card(page, "csp")
    expect(current).to_be_visible()
    wait_anchored(page, current, page.locator("#csp-target"), "bottom")
    assert page.evaluate("window.cspViolations") == []


def test_the_spotlight_dims_the_page_but_not_the_target(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.emulate_media(reduced_motion="reduce")  # no fade: the colours are final at once
    page.goto(host.url("/admin.html", user_id, tour="styles-tour", defer="1"))
    target = box(page.locator("#content-export"))
    inside = (int(target.x + 4), int(target.y + target.height / 2))  # the button's own colour
    far = (700, 650)  # the page's background, away from the card
    before = pixels(page, [inside, far])
    page.evaluate("window.loadShirube()")
    current = card(page, "styled")
    expect(current).to_be_visible()
    wait_anchored(page, current, page.locator("#content-export"), "bottom")
    expect(page.locator('[data-shirube="spotlight"]')).to_be_visible()

    def dimmed_around_the_target() -> None:
        (target_now, far_now), (target_then, far_then) = pixels(page, [inside, far]), before
        assert all(abs(a - b) <= 12 for a, b in zip(target_now, target_then, strict=True)), (
            f"the target is covered: {target_then} became {target_now}"
        )
        assert sum(far_now) < sum(far_then) - 60, f"the page is not dimmed: {far_then} → {far_now}"

    eventually(dimmed_around_the_target)
