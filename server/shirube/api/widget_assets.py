"""The widget's script, served from the files `widget/build.mjs` committed under static/widget.

- `/widget/shirube.js`: what the embedding snippet loads. Revalidated on every load
  (`no-cache` + ETag), so a deploy reaches every host page at once without stale copies.
- `/widget/shirube.<hash>.js`: the same bytes under their content hash, cacheable for a
  year; any other hash is a 404 (an old hash must not get new code silently).
- `/widget/shirube.js.map`: the source map.

Host pages on any origin load these, so every answer allows cross-origin use (CORS and
Cross-Origin-Resource-Policy for pages that set COEP). The files are read once, when the app
is created: they are immutable for the life of a process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.api.errors import ApiError

STATIC = Path(__file__).resolve().parent.parent / "static" / "widget"
JS_TYPE = "application/javascript; charset=utf-8"
MAP_TYPE = "application/json; charset=utf-8"
REVALIDATE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
SHARED = {
    "Access-Control-Allow-Origin": "*",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class WidgetBundle:
    script: bytes
    source_map: bytes
    hash: str

    @classmethod
    def load(cls, directory: Path = STATIC) -> WidgetBundle | None:
        """None when the widget was never built (the routes then answer 404)."""
        try:
            manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
            return cls(
                script=(directory / manifest["file"]).read_bytes(),
                source_map=(directory / (manifest["file"] + ".map")).read_bytes(),
                hash=str(manifest["hash"]),
            )
        except (OSError, ValueError, KeyError):
            return None


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def _answer(request: Request, body: bytes, media_type: str, etag: str, cache: str) -> Response:
    headers = {**SHARED, "ETag": etag, "Cache-Control": cache}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def routes(directory: Path = STATIC) -> list[Route]:
    bundle = WidgetBundle.load(directory)

    def built() -> WidgetBundle:
        if bundle is None:
            raise ApiError(
                404, "not_found", "the widget is not built (npm run build --prefix widget)"
            )
        return bundle

    async def script(request: Request) -> Response:
        b = built()
        return _answer(request, b.script, JS_TYPE, f'"{b.hash}"', REVALIDATE)

    async def hashed_script(request: Request) -> Response:
        b = built()
        if request.path_params["hash"] != b.hash:
            raise ApiError(404, "not_found", "no widget build with this hash")
        return _answer(request, b.script, JS_TYPE, f'"{b.hash}"', IMMUTABLE)

    async def source_map(request: Request) -> Response:
        b = built()
        return _answer(request, b.source_map, MAP_TYPE, f'"{b.hash}-map"', REVALIDATE)

    return [
        Route("/widget/shirube.js", script, methods=["GET"]),
        Route("/widget/shirube.js.map", source_map, methods=["GET"]),
        Route("/widget/shirube.{hash}.js", hashed_script, methods=["GET"]),
    ]
