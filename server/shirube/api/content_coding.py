"""Choosing the content coding of a precompressed answer from the request's Accept-Encoding.

The widget's files are compressed once, at build time (widget/build.mjs); a request picks one
of the copies: brotli when the client accepts it (q > 0), else gzip, else the plain bytes. The
server's preference decides between accepted codings, not the client's q-values: every browser
that sends `br` decodes it, and it is the smallest. The plain bytes are sent even to a request
that refuses `identity` (RFC 9110 allows it rather than a 406; no browser asks so).
"""

from __future__ import annotations

from typing import Literal

Coding = Literal["br", "gzip", "identity"]
# Preference order of the codings the build writes.
PREFERRED: tuple[Coding, ...] = ("br", "gzip")
ALIASES = {"x-gzip": "gzip"}


def _weight(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0  # a q it cannot read: not an acceptance
    return 1.0


def accepted(header: str | None) -> dict[str, float]:
    """Each coding the header names (lowercase, `*` included) with its q-value."""
    weights: dict[str, float] = {}
    for element in (header or "").split(","):
        token, *parameters = element.split(";")
        token = token.strip().lower()
        if token:
            weights[ALIASES.get(token, token)] = _weight(parameters)
    return weights


def choose(header: str | None, available: frozenset[Coding]) -> Coding:
    """The coding to answer with, among the available copies (identity is always one)."""
    weights = accepted(header)
    wildcard = weights.get("*", 0.0)
    for coding in PREFERRED:
        if coding in available and weights.get(coding, wildcard) > 0:
            return coding
    return "identity"
