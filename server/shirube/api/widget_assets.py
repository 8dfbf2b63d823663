"""The widget's files, served as `widget/build.mjs` committed them under static/widget.

- `/widget/shirube.js`: the entry script the embedding snippet loads. Cached for five minutes,
  then revalidated (ETag, 304), so a deploy reaches every host page within five minutes.
- `/widget/shirube.<hash>.js`: the same bytes under their content hash, cacheable for a
  year; any other hash is a 404 (an old hash must not get new code silently).
- `/widget/chunks/<name>.<hash>.js` (and `.map`): the lazily loaded chunks the manifest lists,
  cacheable for a year; the entry has their hashed names baked in. Any other name is a 404.
- `/widget/shirube.js.map`: the entry's source map.
- `/widget/builder.js` (and `.map`): the visual builder, which the entry imports only on a page
  opened with an edit grant (docs/widget.md). Revalidated like the entry: its name is fixed.

Every file was compressed at build time (`.br`, `.gz` next to it): an answer is one of the
copies, chosen by Accept-Encoding (`content_coding.py`), with `Vary: Accept-Encoding`. Each
copy has its own strong ETag: the hash, suffixed `-br` or `-gz` for a compressed copy, since
different bytes must not share a strong validator (RFC 9110 8.8.3); a client revalidates the
copy it holds. Host pages on any origin load these, so every answer allows cross-origin use
(CORS, Cross-Origin-Resource-Policy for pages that set COEP, Timing-Allow-Origin for their
Resource Timing figures). The files are read once, when the app is created: they are
immutable for the life of a process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.api.content_coding import Coding, choose
from shirube.api.errors import ApiError

STATIC = Path(__file__).resolve().parent.parent / "static" / "widget"
JS_TYPE = "application/javascript; charset=utf-8"
MAP_TYPE = "application/json; charset=utf-8"
ENTRY = "public, max-age=300"
REVALIDATE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
SHARED = {
    "Access-Control-Allow-Origin": "*",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Timing-Allow-Origin": "*",
    "X-Content-Type-Options": "nosniff",
    "Vary": "Accept-Encoding",
}
SUFFIXES: dict[Coding, str] = {"br": ".br", "gzip": ".gz"}
TAG_SUFFIXES: dict[Coding, str] = {"identity": "", "br": "-br", "gzip": "-gz"}


@dataclass(frozen=True)
class Asset:
    """One file and its precompressed copies."""

    copies: dict[Coding, bytes]
    media_type: str
    tag: str
    cache: str

    @classmethod
    def read(cls, path: Path, media_type: str, tag: str, cache: str) -> Asset:
        copies: dict[Coding, bytes] = {"identity": path.read_bytes()}
        for coding, suffix in SUFFIXES.items():
            # A build without a copy (a hand-made one, an older build) serves the plain bytes.
            compressed = path.with_name(path.name + suffix)
            if compressed.is_file():
                copies[coding] = compressed.read_bytes()
        return cls(copies, media_type, tag, cache)

    def etag(self, coding: Coding) -> str:
        return f'"{self.tag}{TAG_SUFFIXES[coding]}"'


@dataclass(frozen=True)
class WidgetBundle:
    entry: Asset
    source_map: Asset
    hash: str
    # Path under /widget/chunks/ → the chunk or its source map.
    chunks: dict[str, Asset]
    # The builder and its source map; None for a build without one.
    builder: tuple[Asset, Asset] | None = None

    @classmethod
    def load(cls, directory: Path = STATIC) -> WidgetBundle | None:
        """None when the widget was never built (the routes then answer 404)."""
        try:
            manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
            file, tag = manifest["file"], str(manifest["hash"])
            chunks: dict[str, Asset] = {}
            for chunk in dict[str, Any](manifest.get("chunks") or {}).values():
                path = directory / chunk["file"]
                chunks[path.name] = Asset.read(path, JS_TYPE, str(chunk["hash"]), IMMUTABLE)
                source_map = path.with_name(path.name + ".map")
                chunks[source_map.name] = Asset.read(
                    source_map, MAP_TYPE, f"{chunk['hash']}-map", IMMUTABLE
                )
            builder = None
            if manifest.get("builder"):
                b = manifest["builder"]
                b_tag = str(b["hash"])
                builder = (
                    Asset.read(directory / b["file"], JS_TYPE, b_tag, ENTRY),
                    Asset.read(
                        directory / f"{b['file']}.map", MAP_TYPE, f"{b_tag}-map", REVALIDATE
                    ),
                )
            return cls(
                builder=builder,
                entry=Asset.read(directory / file, JS_TYPE, tag, ENTRY),
                source_map=Asset.read(
                    directory / f"{file}.map", MAP_TYPE, f"{tag}-map", REVALIDATE
                ),
                hash=tag,
                chunks=chunks,
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    # Weak comparison (RFC 9110 13.1.2): a proxy that compressed an answer weakened its tag.
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def _answer(request: Request, asset: Asset, cache: str | None = None) -> Response:
    coding = choose(request.headers.get("accept-encoding"), frozenset(asset.copies))
    etag = asset.etag(coding)
    headers = {**SHARED, "ETag": etag, "Cache-Control": cache or asset.cache}
    if coding != "identity":
        headers["Content-Encoding"] = coding
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(asset.copies[coding], media_type=asset.media_type, headers=headers)


def routes(directory: Path = STATIC) -> list[Route]:
    bundle = WidgetBundle.load(directory)

    def built() -> WidgetBundle:
        if bundle is None:
            raise ApiError(
                404, "not_found", "the widget is not built (npm run build --prefix widget)"
            )
        return bundle

    async def script(request: Request) -> Response:
        return _answer(request, built().entry)

    async def hashed_script(request: Request) -> Response:
        b = built()
        if request.path_params["hash"] != b.hash:
            raise ApiError(404, "not_found", "no widget build with this hash")
        return _answer(request, b.entry, IMMUTABLE)

    async def source_map(request: Request) -> Response:
        return _answer(request, built().source_map)

    async def chunk(request: Request) -> Response:
        asset = built().chunks.get(request.path_params["file"])
        if asset is None:
            raise ApiError(404, "not_found", "no widget chunk with this name in this build")
        return _answer(request, asset)

    def builder_asset(index: int) -> Asset:
        b = built().builder
        if b is None:
            raise ApiError(404, "not_found", "this widget build has no builder")
        return b[index]

    async def builder_script(request: Request) -> Response:
        return _answer(request, builder_asset(0))

    async def builder_map(request: Request) -> Response:
        return _answer(request, builder_asset(1))

    return [
        Route("/widget/shirube.js", script, methods=["GET"]),
        Route("/widget/builder.js", builder_script, methods=["GET"]),
        Route("/widget/builder.js.map", builder_map, methods=["GET"]),
        Route("/widget/shirube.js.map", source_map, methods=["GET"]),
        Route("/widget/shirube.{hash}.js", hashed_script, methods=["GET"]),
        Route("/widget/chunks/{file}", chunk, methods=["GET"]),
    ]
