"""The browser gets the widget compressed, and the host page can measure it: Chromium decodes
the copy compressed at build time, Timing-Allow-Origin opens the Resource Timing sizes of the
cross-origin script to the host page, and a chunk imports across origins."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page
from shirube.api import widget_assets
from starlette.applications import Starlette

from tests.widget.conftest import BUNDLE
from tests.widget.helpers import wait_ready
from tests.widget.servers import HostPages, ThreadedUvicorn

WIDGET = Path(__file__).resolve().parents[2] / "widget"
PROBE = Path(__file__).resolve().parent / "fixtures" / "probe_chunk.ts"

pytestmark = pytest.mark.browser


def test_the_page_loads_the_widget_compressed_and_can_measure_it(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    with page.expect_response(lambda response: "/widget/shirube.js" in response.url) as info:
        page.goto(host.url("/admin.html", user_id))
    script = info.value
    sent = script.request.all_headers().get("accept-encoding", "")
    headers = script.all_headers()
    expected = "br" if "br" in sent else "gzip"
    assert headers["content-encoding"] == expected, sent
    assert headers["vary"] == "Accept-Encoding"
    assert script.body() == BUNDLE.read_bytes()  # decoded by the browser
    wait_ready(page)
    timing = page.evaluate(
        """(url) => {
            const entry = performance.getEntriesByName(url)[0];
            return { encoded: entry.encodedBodySize, decoded: entry.decodedBodySize };
        }""",
        script.url,
    )
    # Without Timing-Allow-Origin both sizes would read 0 on the host's origin.
    assert timing["decoded"] == len(BUNDLE.read_bytes())
    assert 0 < timing["encoded"] < timing["decoded"] / 2


@pytest.fixture(scope="module")
def probe_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A build with the probe chunk (through widget/build.mjs), served on an origin of its own:
    its base URL and the chunk's path."""
    if shutil.which("node") is None or not (WIDGET / "node_modules").is_dir():
        pytest.skip("widget/node_modules not installed (npm ci --prefix widget)")
    out = tmp_path_factory.mktemp("probe-build")
    env = {
        **os.environ,
        "SHIRUBE_WIDGET_OUT": str(out),
        "SHIRUBE_WIDGET_CHUNKS": json.dumps({"probe": str(PROBE)}),
    }
    subprocess.run(["node", "build.mjs"], cwd=WIDGET, env=env, check=True, capture_output=True)
    chunk = json.loads((out / "manifest.json").read_text())["chunks"]["probe"]["file"]
    server = ThreadedUvicorn(Starlette(routes=widget_assets.routes(out)))
    server.start()
    try:
        yield server.base_url, f"/widget/{chunk}"
    finally:
        server.stop()


def test_a_page_imports_a_chunk_across_origins_compressed(
    page: Page, host: HostPages, user_id: str, probe_server: tuple[str, str]
) -> None:
    # What loadChunk does from the classic entry script: import() of the hashed URL on
    # Shirube's origin, a module fetch in CORS mode, here from the host page's origin.
    base, path = probe_server
    page.goto(host.url("/admin.html", user_id))
    with page.expect_response(lambda response: path in response.url) as info:
        exported = page.evaluate("async (url) => Object.keys(await import(url))", f"{base}{path}")
    assert exported == ["probe"]
    headers = info.value.all_headers()
    assert headers["content-encoding"] == "br"
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
