"""Time from the script tag's load start to the first tooltip painted: Shirube (script from its
own server, then its `session` call to that live local server, then rendering) against Driver.js
showing the same step from inline config, on the same page, in the same Chromium.

    .venv/bin/python bench/widget_first_tooltip.py            # 21 runs of each, about 40 s
    .venv/bin/python bench/widget_first_tooltip.py --runs 5   # quicker

Measured in the page with `performance.now()`: the start is the script's Resource Timing
`startTime` (the moment its fetch began); the end is the first animation frame after the frame in
which the tooltip was first laid out and visible (so that frame has been painted). Each run is a
fresh browser context (cold HTTP cache: both download their script; Shirube also pays a new
connection and the session round trip, a CORS "simple" request without preflight), then a reload
in the same context (warm cache: the script comes from the HTTP cache, and the widget paints the
tooltip from its copy of the previous page's session answer while the `session` call is on the
network, docs/widget.md "First paint from the cache"). The harness runs nothing of its own in
the page while a run is measured (see `RESULT_PROMISE`). Runs alternate between the libraries;
the table shows medians and the ratio Shirube / Driver.js.
Targets (#15), both in the same run: warm ≤ 1.0× Driver.js, cold ≤ 1.3×.
"""

from __future__ import annotations

import argparse
import http.server
import json
import math
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import harness
import launcher
from shirube.storage import Database
from shirube_sdk.snippet import render_snippet

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
MODULES = ROOT / "widget/node_modules"
BUNDLE = ROOT / "server/shirube/static/widget/shirube.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TARGETS = {"cold": 1.3, "warm": 1.0}
TITLE, BODY = "Import your team", "Upload a CSV instead of typing everyone in."
TOUR = {
    "key": "bench-tour",
    "name": "bench",
    "trigger": {"type": "manual"},
    "steps": [
        {"id": "import", "kind": "tooltip", "target": "#target", "placement": "bottom",
         "title": TITLE, "body": BODY},
    ],
}  # fmt: skip
DRIVER_FILES = {
    "/driver.js.iife.js": MODULES / "driver.js/dist/driver.js.iife.js",
    "/driver.css": MODULES / "driver.js/dist/driver.css",
}

PAGE = Template((BENCH / "widget_pages/first_tooltip.html").read_text())


def shirube_page(server: str, public_key: str, user_id: str) -> str:
    snippet = render_snippet(f"{server}/widget/shirube.js", public_key, user_id, {"locale": "en"})
    start = "<script>Shirube.startTour('bench-tour');</script>"
    return PAGE.substitute(script=json.dumps("/widget/shirube.js"), head="", body=snippet + start)


def driver_page() -> str:
    config = {
        "element": "#target",
        "popover": {"title": TITLE, "description": BODY, "side": "bottom"},
    }
    start = f"window.driver.js.driver().highlight({json.dumps(config)})"
    body = f"<script async src=\"/driver.js.iife.js\" onload='{start}'></script>"
    head = '<link rel="stylesheet" href="/driver.css">'
    return PAGE.substitute(script=json.dumps("/driver.js.iife.js"), head=head, body=body)


class HostPage:
    """The host site: `/shirube.html?user=…` and `/driver.html`, and Driver.js's files."""

    def __init__(self) -> None:
        self.shirube_url = ""
        self.public_key = ""
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                content_type, body = host.resource(path, query)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer((harness.HOST, 0), Handler)
        self.origin = f"http://{harness.HOST}:{self.server.server_address[1]}"

    def resource(self, path: str, query: str) -> tuple[str, bytes | None]:
        if path == "/shirube.html":
            user = query.removeprefix("user=")
            return "text/html", shirube_page(self.shirube_url, self.public_key, user).encode()
        if path == "/driver.html":
            return "text/html", driver_page().encode()
        file = DRIVER_FILES.get(path)
        if file is None:
            return "text/plain", None
        kind = "text/css" if path.endswith(".css") else "text/javascript"
        return kind, file.read_bytes()

    @contextmanager
    def running(self) -> Iterator[HostPage]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


def check_files() -> None:
    if not BUNDLE.is_file():
        raise harness.BenchError(f"{BUNDLE} is missing: npm ci --prefix widget && npm run build")
    for path in DRIVER_FILES.values():
        if not path.is_file():
            raise harness.BenchError(f"{path} is missing: npm ci --prefix widget")
    if not Path(CHROMIUM).exists():
        raise harness.BenchError(f"{CHROMIUM} is missing: apt-get install -y chromium")


@dataclass(frozen=True)
class Load:
    """Milliseconds after the script's load start."""

    painted: float
    script_loaded: float
    session_answered: float  # NaN for Driver.js (no server)


# Installed before the page's own scripts (so before the measured interval starts): a promise of
# `window.benchResult`, awaited through a bare CDP `Runtime.evaluate`. Playwright's
# `wait_for_function` or `evaluate` would compile its injected script in the page (17–46 ms of
# main thread) while the tooltip may still be on its way: that landed inside Shirube's interval
# (its page fires `load` before the session answers, so `goto` returns early) and after
# Driver.js's (whose `onload` start delays `load` until its tooltip is up).
RESULT_PROMISE = """
window.benchDone = new Promise(function (resolve) {
  Object.defineProperty(window, "benchResult", { configurable: true, set: function (value) {
    Object.defineProperty(window, "benchResult", { value: value });
    resolve(value);
  } });
});
"""


def bench_result(cdp: Any) -> dict[str, Any]:
    answer = cdp.send(
        "Runtime.evaluate",
        {
            "expression": "Promise.race([window.benchDone, "
            "new Promise(function (_, no) { setTimeout(no, 15000, 'timeout'); })])",
            "awaitPromise": True,
            "returnByValue": True,
        },
    )
    if "exceptionDetails" in answer:
        raise harness.BenchError(f"no tooltip: {answer['exceptionDetails'].get('text')}")
    return dict(answer["result"]["value"])


def time_to_tooltip(browser: Any, url: str) -> tuple[Load, Load]:
    """A fresh context (cold cache), then a reload in it (warm cache)."""
    context = browser.new_context()
    try:
        context.add_init_script(RESULT_PROMISE)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        loads = []
        for load in (page.goto, lambda _url: page.reload()):
            load(url)
            result = bench_result(cdp)
            start = result["start"]
            if start is None or math.isnan(start):
                raise harness.BenchError(f"no resource timing entry for the script on {url}")
            session = result["session"]
            loads.append(
                Load(
                    result["painted"] - start,
                    result["script"] - start,
                    math.nan if session is None else session - start,
                )
            )
        return loads[0], loads[1]
    finally:
        context.close()


Results = dict[str, list[tuple[Load, Load]]]


def measure(runs: int, host: HostPage) -> Results:
    from playwright.sync_api import sync_playwright

    results: Results = {"Shirube": [], "Driver.js": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for index in range(runs + 1):  # the first round warms the servers up, unmeasured
                order = list(results) if index % 2 else list(reversed(results))
                for name in order:
                    if name == "Shirube":
                        url = f"{host.origin}/shirube.html?user=bench-{uuid.uuid4().hex[:12]}"
                    else:
                        url = f"{host.origin}/driver.html"
                    loads = time_to_tooltip(browser, url)
                    if index:
                        results[name].append(loads)
        finally:
            browser.close()
    return results


def report(results: Results) -> int:
    def median_of(name: str, warm: int, field: str) -> float:
        values = [getattr(loads[warm], field) for loads in results[name]]
        return harness.median([v for v in values if not math.isnan(v)] or [math.nan])

    runs = len(results["Shirube"])
    print(f"\nFirst tooltip painted, ms from the script's load start (median of {runs} runs)")
    rows = [["library", "cache", "script loaded", "session answered", "tooltip painted"]]
    for name in results:
        for warm, cache in ((0, "cold"), (1, "warm")):
            session = median_of(name, warm, "session_answered")
            rows.append(
                [
                    name,
                    cache,
                    f"{median_of(name, warm, 'script_loaded'):.1f}",
                    "—" if math.isnan(session) else f"{session:.1f}",
                    f"{median_of(name, warm, 'painted'):.1f}",
                ]
            )
    harness.table(rows)
    ratios = [
        median_of("Shirube", warm, "painted") / median_of("Driver.js", warm, "painted")
        for warm in (0, 1)
    ]
    print(f"ratio Shirube / Driver.js: cold {ratios[0]:.2f}×, warm {ratios[1]:.2f}×")
    passed = True
    for (cache, target), ratio in zip(TARGETS.items(), ratios, strict=True):
        verdict = "PASS" if ratio <= target else "FAIL"
        passed = passed and verdict == "PASS"
        print(f"target {cache} ≤ {target}×: {verdict}")
    return 0 if passed else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="measured runs per library")
    parser.add_argument("--keep", action="store_true", help="keep the temporary files")
    args = parser.parse_args(argv)
    check_files()
    print(f"Widget first tooltip; {harness.machine_line()}; load {harness.load_average()}")
    with harness.workdir(args.keep) as work, HostPage().running() as host:
        database_url = f"sqlite:///{work / 'shirube.db'}"
        launcher.migrate(database_url)
        database = Database(database_url)
        try:
            workspace = launcher.create_bench_workspace(database, "first tooltip", host.origin)
            launcher.publish(database, workspace.id, [TOUR], [])
        finally:
            database.dispose()
        with harness.serve("shirube", work, database_url=database_url) as server:
            host.shirube_url, host.public_key = server.base_url, workspace.public_key
            results = measure(args.runs, host)
    return report(results)


if __name__ == "__main__":
    harness.main_guard(main)
