"""`sql.json_loads`, the decoder of stored JSON on the hot paths (and of PostgreSQL's JSON
columns on their connections): orjson's speed, the standard library's exactness for integers
beyond 64 bits, whatever form the driver hands the text in."""

from __future__ import annotations

import pytest
from shirube.services.sql import json_loads

BIG = 123456789012345678901234567890


@pytest.mark.parametrize("form", [str, str.encode, lambda text: memoryview(text.encode())])
def test_json_loads_is_exact_in_every_form(form):
    text = f'{{"n": {BIG}, "plan": "pro", "seats": 12, "ok": true}}'
    assert json_loads(form(text)) == {"n": BIG, "plan": "pro", "seats": 12, "ok": True}
    assert json_loads(form('{"nested": {"list": [1, 2.5, null]}}')) == {
        "nested": {"list": [1, 2.5, None]}
    }
