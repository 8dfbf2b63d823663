"""JSON responses encoded with orjson: the widget's session answer is large and hot."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from shirube.jsontext import dumps


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
