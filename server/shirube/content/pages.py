"""Page patterns (`page_visited` rules, steps' pages) matched against the URLs end users'
browsers send. The widget matches them the same way (widget/src/routes.ts `matchPage`); both
are checked against one table of cases, widget/test/page_patterns.json."""

from __future__ import annotations

import re

_SCHEME_AND_HOST = re.compile(r"[a-z][a-z0-9+.\-]*://[^/]+")
# What a URL loses before matching (the widget's regexes): its queries, the path's (`?tab=1`)
# and a hash route's own (`#/guide?x=1`), for a pattern with a `#`; else from the first `?`
# or `#` on.
_QUERIES = re.compile(r"\?[^#]*")
_QUERY_AND_FRAGMENT = re.compile(r"[?#].*", re.DOTALL)


class PageMatcher:
    """A page pattern (content.primitives.PagePattern) ready to match URLs: `*` matches any
    run of characters; everything else is literal. Query strings are ignored, and a path
    pattern also matches absolute URLs with that path. The fragment counts only for a pattern
    that has a `#` (hash-routed apps: `/#/guide`); any other pattern ignores it.

    Matched in linear time: the URLs come from end users' browsers, and a backtracking regex
    (`.*` per star) takes seconds on a long URL against a few stars, on the event loop."""

    __slots__ = ("_hash", "_is_path", "_parts")

    def __init__(self, pattern: str) -> None:
        self._parts = pattern.split("*")
        self._is_path = pattern.startswith("/")
        self._hash = "#" in pattern

    def matches(self, url: str) -> bool:
        """`url` as the browser has it (`location.href`: query and fragment included)."""
        url = self._comparable(url)
        if self._is_path:
            host = _SCHEME_AND_HOST.match(url)
            if host is not None and self._fits(url[host.end() :]):
                return True
        return self._fits(url)

    def _comparable(self, url: str) -> str:
        if "?" not in url and "#" not in url:
            return url
        return (_QUERIES if self._hash else _QUERY_AND_FRAGMENT).sub("", url)

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
