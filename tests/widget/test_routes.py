"""Page patterns in the widget (`widget/src/routes.ts`): the server's rules exactly
(`PageMatcher` in server/shirube/content/pages.py), in linear time."""

from __future__ import annotations

import copy
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect
from shirube.content.pages import PageMatcher

from tests.widget.helpers import card
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser

WIDGET = Path(__file__).resolve().parents[2] / "widget"
ESBUILD = WIDGET / "node_modules" / ".bin" / "esbuild"

CASES = [
    ("/settings", "/settings"),
    ("/settings", "/settings/x"),
    ("/settings", "https://app.example.com/settings"),
    ("/settings", "https://app.example.com/settings?tab=1#top"),
    ("/settings", "HTTPS://app.example.com/settings"),  # the scheme rule is lower case
    ("/settings/*", "http://localhost:8001/settings/company"),
    ("/settings/*", "/setting"),
    ("/employees/*/edit", "/employees/42/edit"),
    ("/employees/*/edit", "/employees/42/view"),
    ("/a*b*a", "/aba"),
    ("/a*b*a", "/ab"),
    ("/a*a", "/a"),
    ("/", "http://host"),
    ("/*", "http://host"),
    ("/*", "http://host/"),
    ("**", ""),
    ("*", ""),
    ("", ""),
    ("", "/"),
    ("https://docs.example.com/*", "https://docs.example.com/start"),
    ("https://docs.example.com/*", "http://docs.example.com/start"),
    ("https://*.example.com/*", "https://a.example.com/x"),
    ("*/x", "http://h/x"),
    ("/日本*", "https://例え.jp/日本語"),
]


def random_cases(count: int) -> list[tuple[str, str]]:
    """Short patterns and URLs over a tiny alphabet: every overlap of parts gets tried."""
    rng = random.Random(20240521)
    hosts = ["", "http://h", "https://a.b:8000", "x://"]
    cases = []
    for _ in range(count):
        pattern = "".join(rng.choice("ab/*#") for _ in range(rng.randint(0, 7)))
        path = "".join(rng.choice("ab/") for _ in range(rng.randint(0, 9)))
        suffix = rng.choice(["", "", "?a=b", "#a", "?*#/", "#/a?b", "?a#/b?#a"])
        cases.append((pattern, rng.choice(hosts) + path + suffix))
    return cases


@pytest.fixture(scope="module")
def routes_js() -> str:
    """widget/src/routes.ts alone, as a script defining `routes.matchPage`."""
    if not ESBUILD.is_file() or shutil.which("node") is None:
        pytest.skip("widget/node_modules not installed (npm ci --prefix widget)")
    built = subprocess.run(
        [str(ESBUILD), "src/routes.ts", "--bundle", "--format=iife", "--global-name=routes"],
        cwd=WIDGET,
        capture_output=True,
        text=True,
        check=True,
    )
    return built.stdout


def test_page_patterns_match_as_on_the_server(page: Page, routes_js: str) -> None:
    page.set_content("<!doctype html><title>routes</title>")
    page.add_script_tag(content=routes_js)
    cases = CASES + random_cases(3000)
    widget = page.evaluate(
        "(cases) => cases.map(([pattern, url]) => routes.matchPage(pattern, url))", cases
    )
    server = [PageMatcher(pattern).matches(url) for pattern, url in cases]
    differ = [(case, w, s) for case, w, s in zip(cases, widget, server, strict=True) if w != s]
    assert differ == []
    assert any(server) and not all(server)


# In a worker the page can give up on: a backtracking matcher fails this test instead of
# freezing the browser for minutes.
MATCH_IN_WORKER = """async ([code, cases]) => {
  const source = code + ";onmessage = (e) => postMessage(e.data.map(([p, u]) => routes.matchPage(p, u)));";
  const worker = new Worker(URL.createObjectURL(new Blob([source], {type: "text/javascript"})));
  try {
    return await new Promise((answer) => {
      worker.onmessage = (e) => answer(e.data);
      setTimeout(() => answer("no answer within 10 s"), 10000);
      worker.postMessage(cases);
    });
  } finally {
    worker.terminate();
  }
}"""


def test_many_stars_against_a_long_url_are_answered(
    page: Page, host: HostPages, routes_js: str
) -> None:
    # A regex with `.*` per star takes 15 s at 200 segments here, and grows with their fifth
    # power: minutes on the event loop of the host page.
    url = "https://app.example.com/" + "a/" * 1000
    cases = [("/*/*/*/*/*/x", url), ("/*/*/*/*/*/a/", url), ("*a*a*a*a*b", url)]
    page.goto(host.url("/admin.html"))
    answers = page.evaluate(MATCH_IN_WORKER, [routes_js, cases])
    assert answers == [PageMatcher(p).matches(u) for p, u in cases] == [False, True, False]


def stars_tour(tour: dict[str, Any], key: str, pattern: str, step: str) -> dict[str, Any]:
    """An auto tour for the pages `pattern` matches, from a one-modal tour of the answer."""
    made = copy.deepcopy(tour)
    made.update(key=key, trigger={"type": "auto"}, pages=[pattern], frequency="every_session")
    made["steps"][0]["id"] = step
    made["progress"] = {"status": "not_started", "current_step": None}
    return made


def test_the_widget_matches_many_stars_against_a_long_url(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    # The bundle's matcher on a page whose URL has 1,000 segments (see the test above).
    def stars(route: Route) -> None:
        response = route.fetch()
        answer = response.json()
        modal = next(t for t in answer["tours"] if t["key"] == "modal-trap")
        answer["tours"] = [
            stars_tour(modal, "stars-x", "/*/*/*/*/*/x", "never"),
            stars_tour(modal, "stars-a", "/*/*/*/*/*/a/", "long"),
        ]
        route.fulfill(response=response, json=answer)

    page.route(f"{shirube.base_url}/api/v1/widget/session", stars)
    page.goto(host.url("/spa/" + "a/" * 1000, user_id))
    expect(card(page, "long")).to_be_visible()
    expect(card(page, "never")).to_have_count(0)
