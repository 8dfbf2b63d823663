"""Page patterns of `page_visited` rules, matched against URLs end users' browsers send."""

from __future__ import annotations

import pytest
from shirube.services.published import PageMatcher


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


def test_a_long_url_against_many_stars_is_answered() -> None:
    # A backtracking regex took seconds here (on the event loop); this must not.
    url = "/" + "a/" * 1000
    assert PageMatcher("/*/*/*/*/*/x").matches(url) is False
    assert PageMatcher("/*/*/*/*/*/a/").matches(url) is True
