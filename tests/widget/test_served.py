"""The browser gets the widget compressed, and the host page can measure it: Chromium decodes
the copy compressed at build time, and Timing-Allow-Origin opens the Resource Timing sizes of
the cross-origin script to the host page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.widget.conftest import BUNDLE
from tests.widget.helpers import wait_ready
from tests.widget.servers import HostPages

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
