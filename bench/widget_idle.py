"""Main-thread time per second on an idle page while the widget shows one tooltip step (and
while it shows only the checklist launcher), against Driver.js showing the same step on the
same page, in the same Chromium (#15).

    .venv/bin/python bench/widget_idle.py            # 5 runs of each, about 1 min
    .venv/bin/python bench/widget_idle.py --runs 3

Each run opens the page of `widget_first_tooltip.py` in a fresh context, waits until the
tooltip is painted in place (the page's own probe, which then stops) and one more second, then
reads Chromium's `TaskDuration` (CDP `Performance.getMetrics`: seconds the renderer's main
thread spent running tasks) before and after `--idle` seconds in which nothing happens: no
input, no scroll, no network. Runs alternate between the libraries; medians.
Target: Shirube ≤ 1 ms per second with a tooltip shown, and none at all with only the launcher
(≤ 0.1 ms/s above the same page without any script, also measured: the browser's own work).
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Sequence
from typing import Any

import harness
import launcher
import widget_first_tooltip as first
from shirube.storage import Database
from shirube_sdk.snippet import render_snippet

TARGET_MS_PER_S = 1.0
LAUNCHER_TARGET_MS_PER_S = 0.1
CHECKLIST = {
    "key": "bench-list",
    "title": {"en": "Get started", "ja": "はじめに"},
    "items": [
        {
            "id": "import",
            "title": {"en": "Import your team", "ja": "チームを取り込む"},
            "completion": {"type": "event", "event": "employees_imported"},
        }
    ],
}


def launcher_page(server: str, public_key: str, user_id: str) -> str:
    """The same content with no tour started, the checklist's launcher only, and without the
    page's tooltip probe (which would poll every frame for a tooltip that never comes)."""
    snippet = render_snippet(f"{server}/widget/shirube.js", public_key, user_id, {"locale": "en"})
    return plain_page(snippet)


def plain_page(body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Employees</title>'
        '</head><body><h1>Employees</h1><button id="target" type="button">Import CSV'
        f"</button>{body}</body></html>"
    )


class IdleHost(first.HostPage):
    def resource(self, path: str, query: str) -> tuple[str, bytes | None]:
        if path == "/blank.html":
            return "text/html", plain_page("").encode()
        if path == "/launcher.html":
            user = query.removeprefix("user=")
            return "text/html", launcher_page(self.shirube_url, self.public_key, user).encode()
        return super().resource(path, query)


def task_seconds(cdp: Any) -> float:
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return float(next(m["value"] for m in metrics if m["name"] == "TaskDuration"))


def busy_ms_per_second(browser: Any, url: str, idle: float, tooltip: bool) -> float:
    context = browser.new_context()
    try:
        context.add_init_script(first.RESULT_PROMISE)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.goto(url)
        if tooltip:
            first.bench_result(cdp)
        else:
            page.wait_for_load_state("load")
        time.sleep(1.0)  # the frames that follow the first layout, fonts, the session's answer
        before = task_seconds(cdp)
        time.sleep(idle)
        return (task_seconds(cdp) - before) * 1000 / idle
    finally:
        context.close()


def measure(runs: int, idle: float, host: IdleHost) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    cases = {
        "no script (the browser's own)": ("/blank.html", False),
        "Shirube, tooltip": ("/shirube.html", True),
        "Driver.js, tooltip": ("/driver.html", True),
        "Shirube, launcher only": ("/launcher.html", False),
    }
    results: dict[str, list[float]] = {name: [] for name in cases}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=first.CHROMIUM, args=first.CHROMIUM_ARGS
        )
        try:
            for index in range(runs):
                order = list(cases) if index % 2 else list(reversed(cases))
                for name in order:
                    path, tooltip = cases[name]
                    url = f"{host.origin}{path}?user=idle-{uuid.uuid4().hex[:12]}"
                    results[name].append(busy_ms_per_second(browser, url, idle, tooltip))
        finally:
            browser.close()
    return results


def report(results: dict[str, list[float]], idle: float) -> int:
    runs = len(next(iter(results.values())))
    print(f"\nMain-thread task time on an idle page, ms/s ({idle:g} s idle, median of {runs})")
    rows = [["case", "median ms/s", "runs"]]
    medians = {name: harness.median(values) for name, values in results.items()}
    for name, values in results.items():
        rows.append([name, f"{medians[name]:.2f}", ", ".join(f"{v:.2f}" for v in values)])
    harness.table(rows)
    tooltip, driver = medians["Shirube, tooltip"], medians["Driver.js, tooltip"]
    only = medians["Shirube, launcher only"] - medians["no script (the browser's own)"]
    print(f"Shirube − Driver.js with a tooltip: {tooltip - driver:+.2f} ms/s")
    ok = tooltip <= TARGET_MS_PER_S and only <= LAUNCHER_TARGET_MS_PER_S
    print(
        f"target: tooltip ≤ {TARGET_MS_PER_S} ms/s, launcher only ≤ {LAUNCHER_TARGET_MS_PER_S}"
        f" ms/s above no script ({only:+.2f}): {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per case")
    parser.add_argument("--idle", type=float, default=5.0, help="idle seconds measured")
    parser.add_argument("--keep", action="store_true", help="keep the temporary files")
    args = parser.parse_args(argv)
    first.check_files()
    print(f"Widget idle cost; {harness.machine_line()}; load {harness.load_average()}")
    with harness.workdir(args.keep) as work, IdleHost().running() as host:
        database_url = f"sqlite:///{work / 'shirube.db'}"
        launcher.migrate(database_url)
        database = Database(database_url)
        try:
            workspace = launcher.create_bench_workspace(database, "idle", host.origin)
            launcher.publish(database, workspace.id, [first.TOUR], [CHECKLIST])
        finally:
            database.dispose()
        with harness.serve("shirube", work, database_url=database_url) as server:
            host.shirube_url, host.public_key = server.base_url, workspace.public_key
            results = measure(args.runs, args.idle, host)
    return report(results, args.idle)


if __name__ == "__main__":
    harness.main_guard(main)
