"""Where orjson is not exact: it reads integers beyond 64 bits as floats (1e+23), silently.

JSON text with a run of 19 digits anywhere may hold one, and is read by the standard library
instead, which keeps them exact. Found by mapping every digit to "0" and searching for 19 of
them: a regex search (`\\d{19}`) cost 20,000 instructions for a user's traits, a tenth of a
whole widget session.
"""

from __future__ import annotations

_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_DIGIT_RUN = b"0" * 19


def may_hold_big_integers(data: bytes) -> bool:
    return len(data) >= 19 and _DIGIT_RUN in data.translate(_DIGITS_TO_ZERO)
