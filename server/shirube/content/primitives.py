"""Identifiers and addresses shared by tours and checklists: keys, ids, event names, pages, URLs.

Each is a `str` with a validator that explains the rule in plain words, so an editor reading
the error knows what to type instead of being shown a regular expression.
"""

from __future__ import annotations

import re
from typing import Annotated, TypeGuard

from pydantic import AfterValidator, Field

from shirube.content.base import show
from shirube.identifiers import EVENT_NAME_RE, ID_RE, KEY_RE
from shirube.invisible import invisible_character

KEY_MAX = 64
ID_MAX = 64
EVENT_MAX = 100
PAGE_MAX = 500
URL_MAX = 2000


# Whitespace, control characters and backslashes are refused everywhere in an address:
# browsers drop tabs/newlines and read `\` as `/`, so `/\evil.example` or `/\t/evil.example`
# would become the protocol-relative `//evil.example`.
_CHAR = r"[^\s\\\x00-\x1f\x7f-\x9f]"
_HOST_CHAR = r"[^/?#@\s\\\x00-\x1f\x7f-\x9f]"
# A userinfo part (`https://bank.example@evil.example`) is refused: it only serves phishing.
_ADDRESS_RE = re.compile(
    rf"/(?![/\\]){_CHAR}*"
    rf"|(?i:https?)://{_HOST_CHAR}+(?:[/?#]{_CHAR}*)?"
)


def _key(value: str) -> str:
    if not KEY_RE.fullmatch(value):
        raise ValueError(
            f"{show(value)} is not a valid key: use 1–{KEY_MAX} lowercase letters, digits, "
            "'-' or '_', starting with a letter or digit"
        )
    return value


def _id(value: str) -> str:
    if not ID_RE.fullmatch(value):
        raise ValueError(
            f"{show(value)} is not a valid id: use 1–{ID_MAX} letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return value


def _event(value: str) -> str:
    if not EVENT_NAME_RE.fullmatch(value):
        raise ValueError(
            f"{show(value)} is not a valid event name: use 1–{EVENT_MAX} letters, digits, "
            "spaces or '_ . : $ -', starting with a letter, digit or '$'"
        )
    return value


def no_invisible(value: str) -> None:
    problem = invisible_character(value)
    if problem is not None:
        raise ValueError(problem)


def _page(value: str) -> str:
    if not value or len(value) > PAGE_MAX:
        raise ValueError(f"must be 1–{PAGE_MAX} characters")
    no_invisible(value)
    if not _ADDRESS_RE.fullmatch(value):
        raise ValueError(
            f"{show(value)} is not a page pattern: use a path starting with '/' "
            "(e.g. '/settings/*') or an http(s) URL, without spaces"
        )
    return value


def _url(value: str) -> str:
    if not value or len(value) > URL_MAX:
        raise ValueError(f"must be 1–{URL_MAX} characters")
    no_invisible(value)
    if not _ADDRESS_RE.fullmatch(value):
        raise ValueError(
            f"{show(value)} is not an allowed link: use a path starting with '/' "
            "or an http:// or https:// URL"
        )
    return value


def is_key(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and KEY_RE.fullmatch(value) is not None


def is_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and ID_RE.fullmatch(value) is not None


Key = Annotated[str, AfterValidator(_key)]
Id = Annotated[str, AfterValidator(_id)]
EventName = Annotated[str, AfterValidator(_event)]
PagePattern = Annotated[str, AfterValidator(_page)]
Url = Annotated[str, AfterValidator(_url)]
check_url = _url  # the same check, for types that accept more (a contact's mailto:)
StrictCount = Annotated[int, Field(strict=True)]
