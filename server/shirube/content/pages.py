"""Page patterns (`page_visited` rules, steps' pages) matched against the URLs end users'
browsers send."""

from __future__ import annotations

import re

_SCHEME_AND_HOST = re.compile(r"[a-z][a-z0-9+.\-]*://[^/]+")


class PageMatcher:
    """A page pattern (content.primitives.PagePattern) ready to match URLs: `*` matches any
    run of characters; everything else is literal. Query strings are ignored, and a path
    pattern also matches absolute URLs with that path.

    Matched in linear time: the URLs come from end users' browsers, and a backtracking regex
    (`.*` per star) takes seconds on a long URL against a few stars, on the event loop."""

    __slots__ = ("_is_path", "_parts")

    def __init__(self, pattern: str) -> None:
        self._parts = pattern.split("*")
        self._is_path = pattern.startswith("/")

    def matches(self, url: str) -> bool:
        if self._is_path:
            host = _SCHEME_AND_HOST.match(url)
            if host is not None and self._fits(url[host.end() :]):
                return True
        return self._fits(url)

    def _fits(self, text: str) -> bool:
        parts = self._parts
        if len(parts) == 1:
            return text == parts[0]
        first, last = parts[0], parts[-1]
        if len(text) < len(first) + len(last):
            return False
        if not (text.startswith(first) and text.endswith(last)):
            return False
        position, end = len(first), len(text) - len(last)
        # Placing each middle part at its leftmost match never loses a match for `*`.
        for part in parts[1:-1]:
            found = text.find(part, position, end)
            if found < 0:
                return False
            position = found + len(part)
        return True


def url_without_query(url: str) -> str:
    return url.split("#", 1)[0].split("?", 1)[0]
