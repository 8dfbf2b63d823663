"""JSON responses encoded with orjson: the widget's session answer is large and hot."""

from __future__ import annotations

import json
from typing import Any

import orjson
from starlette.responses import Response


def dumps(content: Any) -> bytes:
    try:
        return orjson.dumps(content)
    except TypeError:
        # orjson stops at 64-bit integers and 255 levels of nesting; stored JSON may hold
        # either (PostgreSQL's JSONB turns 1e20 into an integer), so fall back, never fail.
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
