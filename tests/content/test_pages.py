"""Page patterns of `page_visited` rules, matched against URLs end users' browsers send
(query and fragment included, as `location.href` has them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shirube.content.pages import PageMatcher

# The table the widget's matcher (widget/src/routes.ts) is checked against too
# (widget/test/routes.test.mjs): one semantics on both sides.
PAGE_PATTERNS = Path(__file__).resolve().parents[2] / "widget" / "test" / "page_patterns.json"
CASES = [tuple(case) for case in json.loads(PAGE_PATTERNS.read_text())["cases"]]


@pytest.mark.parametrize(("pattern", "url", "expected"), CASES)
def test_page_patterns_match_as_the_shared_table_says(
    pattern: str, url: str, expected: bool
) -> None:
    assert PageMatcher(pattern).matches(url) is expected


def test_the_table_covers_hash_routes_both_ways() -> None:
    hash_cases = [expected for pattern, _, expected in CASES if "#" in pattern]
    assert True in hash_cases and False in hash_cases


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
