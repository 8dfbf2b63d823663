"""A widget session body checked in plain Python when it is plainly valid.

`SessionBody` (pydantic) validates every trait value with a Python validator, one call from
Rust each: 46,000 instructions a session, more than the identify read (bench/README.md). The
bodies widgets send are plain (strings, numbers, booleans, nulls and lists of those as traits),
so those are checked here with the same limits; anything else (a key over a limit, a wrong
type, a nested object, anything unexpected) returns None, and pydantic decides and words the
error as before. So for every body this accepts, pydantic accepts it too and gives the same values
(tests/api/test_widget_session_route.py checks both on many bodies).
"""

from __future__ import annotations

import math
import re
from typing import Any

from shirube.services.event_schema import (
    LOCALE_PATTERN,
    MAX_EXTERNAL_ID,
    MAX_TRAIT_LIST,
    MAX_TRAIT_NAME,
    MAX_TRAIT_TEXT,
    MAX_TRAITS,
)
from shirube.services.widget_session import SessionRequest

_BODY_KEYS = frozenset({"public_key", "user_id", "traits", "locale", "company", "identity_token"})
_COMPANY_KEYS = frozenset({"id", "traits"})
# event_schema.Locale, anchored as pydantic anchors it (no "$" before a final newline).
_LOCALE = re.compile(LOCALE_PATTERN)
# Also SessionBody's (api/widget.py).
MAX_PUBLIC_KEY = 64
MAX_IDENTITY_TOKEN = 4096


def _text(value: Any, longest: int) -> bool:
    return type(value) is str and 0 < len(value) <= longest


def _scalar(value: Any) -> bool:
    """event_schema._is_scalar, without None."""
    kind = type(value)
    if kind is str:
        return len(value) <= MAX_TRAIT_TEXT
    if kind is float:
        return math.isfinite(value)
    return kind is int or kind is bool


def _plain_traits(traits: Any) -> bool:
    if type(traits) is not dict or len(traits) > MAX_TRAITS:
        return False
    for name, value in traits.items():
        if type(name) is not str or not 0 < len(name) <= MAX_TRAIT_NAME:
            return False
        if value is None or _scalar(value):
            continue
        if type(value) is not list or len(value) > MAX_TRAIT_LIST:
            return False
        for item in value:
            if not _scalar(item):
                return False
    return True


def plain_session_request(data: dict[str, Any]) -> tuple[str, SessionRequest] | None:
    """(public key, request) when `data` is a plainly valid body; None: ask pydantic."""
    if not data.keys() <= _BODY_KEYS:
        return None
    public_key = data.get("public_key")
    user_id = data.get("user_id")
    if not (_text(public_key, MAX_PUBLIC_KEY) and _text(user_id, MAX_EXTERNAL_ID)):
        return None
    traits = data.get("traits")
    if traits is not None and not _plain_traits(traits):
        return None
    locale = data.get("locale")
    if locale is not None and not (type(locale) is str and _LOCALE.fullmatch(locale)):
        return None
    company = data.get("company")
    company_id = company_traits = None
    if company is not None:
        if type(company) is not dict or not company.keys() <= _COMPANY_KEYS:
            return None
        company_id = company.get("id")
        company_traits = company.get("traits")
        if not _text(company_id, MAX_EXTERNAL_ID):
            return None
        if company_traits is not None and not _plain_traits(company_traits):
            return None
    token = data.get("identity_token")
    if token is not None and not (type(token) is str and len(token) <= MAX_IDENTITY_TOKEN):
        return None
    assert isinstance(public_key, str) and isinstance(user_id, str)
    return public_key, SessionRequest(
        user_id=user_id,
        traits=dict(traits) if traits is not None else None,
        locale=locale.replace("_", "-") if locale else None,
        company_id=company_id,
        company_traits=dict(company_traits) if company_traits else None,
        identity_token=token,
    )
