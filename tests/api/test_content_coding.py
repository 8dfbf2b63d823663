"""Choosing a precompressed copy from Accept-Encoding: brotli, then gzip, then the plain bytes;
a coding refused with q=0 (by name or through `*`) is never chosen."""

from __future__ import annotations

import pytest
from shirube.api.content_coding import Coding, accepted, choose

ALL: frozenset[Coding] = frozenset({"identity", "gzip", "br"})


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br, zstd", "br"),  # Chromium
        ("br", "br"),
        ("gzip", "gzip"),
        ("x-gzip", "gzip"),
        ("GZIP;Q=0.5", "gzip"),
        ("gzip;q=1.0, br;q=0.1", "br"),  # the server's preference between accepted codings
        ("br;q=0, gzip", "gzip"),
        ("br;q=0, gzip;q=0", "identity"),
        ("br;q=0.000, gzip;q=0", "identity"),
        ("*", "br"),
        ("*;q=0", "identity"),
        ("*, br;q=0", "gzip"),
        ("gzip;q=nonsense", "identity"),
        ("deflate, zstd", "identity"),
        ("identity", "identity"),
        ("", "identity"),
        (None, "identity"),
        (" , ;q=1, br ; q=0.5 ", "br"),
    ],
)
def test_choice(header: str | None, expected: Coding) -> None:
    assert choose(header, ALL) == expected


def test_only_copies_that_exist_are_chosen() -> None:
    assert choose("br, gzip", frozenset({"identity", "gzip"})) == "gzip"
    assert choose("br, gzip", frozenset({"identity"})) == "identity"


def test_accepted_reads_weights() -> None:
    assert accepted("gzip;q=0.5, br, *;q=0") == {"gzip": 0.5, "br": 1.0, "*": 0.0}
