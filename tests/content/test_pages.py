"""Page patterns of `page_visited` rules, matched against URLs end users' browsers send."""

from __future__ import annotations

import pytest
from shirube.content.pages import PageMatcher


@pytest.mark.parametrize(
    ("pattern", "url", "expected"),
    [
        ("/settings", "/settings", True),
        ("/settings", "/settings/x", False),
        ("/settings", "https://app.example.com/settings", True),
        ("/settings/*", "http://localhost:8001/settings/company", True),
        ("/settings/*", "/setting", False),
        ("/employees/*/edit", "/employees/42/edit", True),
        ("/employees/*/edit", "/employees/42/view", False),
        ("/a*b*a", "/aba", True),
        ("/a*b*a", "/ab", False),
        ("/a*a", "/a", False),
        ("*", "", True),
        ("https://docs.example.com/*", "https://docs.example.com/start", True),
        ("https://docs.example.com/*", "http://docs.example.com/start", False),
    ],
)
def test_stars_match_any_run_of_characters(pattern: str, url: str, expected: bool) -> None:
    assert PageMatcher(pattern).matches(url) is expected


class _CountedScans(str):
    """A URL that counts the searches made in it."""

    scans = 0

    def find(self, *args: object) -> int:  # type: ignore[override]
        type(self).scans += 1
        return super().find(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pattern", "expected"), [("/*/*/*/*/*/x", False), ("/*/*/*/*/*/a/", True)]
)
def test_a_long_url_is_searched_once_per_star(pattern: str, expected: bool) -> None:
    """Linear in the URL: at most one search per star in between, whatever the URL (a
    backtracking regex, `.*` per star, took seconds on this URL, on the event loop)."""
    _CountedScans.scans = 0
    url = _CountedScans("/" + "a/" * 1000)
    assert PageMatcher(pattern).matches(url) is expected
    assert _CountedScans.scans <= pattern.count("*") - 1
