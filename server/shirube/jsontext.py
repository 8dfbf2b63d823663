"""JSON text read and written with orjson, exactly.

Where orjson is not exact: it reads integers outside 64 bits (below -2**63, above 2**64 - 1)
as floats (1e+23), silently.

Such an integer has 20 digits or more, or is negative with 19 or more; JSON text holding a run
like that anywhere is read by the standard library instead, which keeps them exact. Found by
mapping every digit to "0" and searching: a regex search (`\\d{20}`) cost 20,000 instructions
for a user's traits, a tenth of a whole widget session.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUN = b"0" * 20
_LONG_NEGATIVE = b"-" + b"0" * 19


def may_hold_big_integers(data: bytes) -> bool:
    if len(data) < 20:
        return False
    zeroed = data.translate(_DIGITS_TO_ZERO)
    return _LONG_RUN in zeroed or _LONG_NEGATIVE in zeroed


def loads(data: str | bytes | memoryview) -> Any:
    """orjson, except for text with integers beyond 64 bits, read by the standard library."""
    text = data.encode() if isinstance(data, str) else bytes(data)
    if may_hold_big_integers(text):
        return json.loads(text)
    return orjson.loads(text)


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        # orjson stops at 64-bit integers and 255 levels of nesting; stored JSON may hold
        # either (PostgreSQL's JSONB turns 1e20 into an integer), so fall back, never fail.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
