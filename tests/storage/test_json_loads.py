"""`sql.json_loads`, the decoder of stored JSON on the hot paths (and of PostgreSQL's JSON
columns on their connections): orjson's speed, the standard library's exactness for integers
beyond 64 bits, whatever form the driver hands the text in."""

from __future__ import annotations

import pytest
from shirube.storage.types import json_loads

BIG = 123456789012345678901234567890


@pytest.mark.parametrize("form", [str, str.encode, lambda text: memoryview(text.encode())])
def test_json_loads_is_exact_in_every_form(form):
    text = f'{{"n": {BIG}, "plan": "pro", "seats": 12, "ok": true}}'
    assert json_loads(form(text)) == {"n": BIG, "plan": "pro", "seats": 12, "ok": True}
    assert json_loads(form('{"nested": {"list": [1, 2.5, null]}}')) == {
        "nested": {"list": [1, 2.5, None]}
    }


@pytest.mark.parametrize(
    "number", [2**64, 2**64 - 1, 2**63, -(2**63), -(2**63) - 1, 10**19 - 1, -(10**19), 10**300]
)
def test_integers_at_the_64_bit_edges_stay_exact(number):
    """orjson reads integers from -2**63 to 2**64 - 1 exactly; the others go to the standard
    library (`jsontext.may_hold_big_integers`)."""
    assert json_loads(f'{{"n": {number}}}') == {"n": number}
    assert type(json_loads(f"[{number}]")[0]) is int


def test_nineteen_digit_ids_stay_on_orjson():
    from shirube.jsontext import may_hold_big_integers

    assert not may_hold_big_integers(
        b'{"user_id": "1234567890123456789", "n": 9223372036854775807}'
    )
    assert may_hold_big_integers(b'{"n": 18446744073709551616}')
    assert may_hold_big_integers(b'{"n": -9223372036854775809}')
