"""Unicode format characters (category Cf: bidi overrides such as U+202E, zero-width ones)
show an address as something it is not: `https://exa\u202emple.com` reads as another host.
Content links and page patterns (content/primitives.py) and webhook URLs
(security/outbound.py) refuse them with the same words."""

from __future__ import annotations

import unicodedata


def invisible_character(value: str) -> str | None:
    """Why `value` is refused, or None when it holds no format character."""
    for character in value:
        if unicodedata.category(character) == "Cf":
            return f"must not contain the invisible formatting character U+{ord(character):04X}"
    return None
