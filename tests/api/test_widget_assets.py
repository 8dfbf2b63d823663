"""Serving the widget: the copy compressed at build time that Accept-Encoding asks for, the
entry short-cached and revalidated at its stable URL, hashed URLs (entry and chunks) cached for
a year, usable and measurable from any origin, and a clear 404 for anything not built."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from shirube.api import widget_assets
from shirube.api.errors import ApiError, api_error_handler
from shirube.app import create_app
from shirube.settings import Settings
from starlette.applications import Starlette
from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
STATIC = widget_assets.STATIC
SETTINGS = Settings(database_url="sqlite://", secret_key="k" * 40, env="test")
PROBE = ROOT / "tests" / "widget" / "fixtures" / "probe_chunk.ts"
# Accept-Encoding → (Content-Encoding, the file's suffix, the ETag's suffix).
CODINGS = {
    "gzip, deflate, br, zstd": ("br", ".br", "-br"),
    "gzip": ("gzip", ".gz", "-gz"),
    "br;q=0, gzip": ("gzip", ".gz", "-gz"),
    "identity": (None, "", ""),
    "br;q=0, gzip;q=0": (None, "", ""),
}

needs_node = pytest.mark.skipif(
    not (ROOT / "widget" / "node_modules").is_dir() or shutil.which("node") is None,
    reason="widget/node_modules not installed (npm ci --prefix widget)",
)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    # Serving static files needs no database: one in-memory app for the module.
    with TestClient(create_app(SETTINGS)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def built() -> dict[str, object]:
    manifest: dict[str, object] = json.loads((STATIC / "manifest.json").read_text("utf-8"))
    return manifest


@pytest.fixture(scope="module")
def probe_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build with a chunk, through widget/build.mjs (the committed build has none yet)."""
    if shutil.which("node") is None or not (ROOT / "widget" / "node_modules").is_dir():
        pytest.skip("widget/node_modules not installed (npm ci --prefix widget)")
    out = tmp_path_factory.mktemp("widget")
    env = {
        **os.environ,
        "SHIRUBE_WIDGET_OUT": str(out),
        "SHIRUBE_WIDGET_CHUNKS": json.dumps({"probe": str(PROBE)}),
    }
    subprocess.run(
        ["node", "build.mjs"], cwd=ROOT / "widget", env=env, check=True, capture_output=True
    )
    return out


@pytest.fixture(scope="module")
def probe_client(probe_build: Path) -> Iterator[TestClient]:
    app = Starlette(
        routes=widget_assets.routes(probe_build), exception_handlers={ApiError: api_error_handler}
    )
    with TestClient(app) as test_client:
        yield test_client


def _get(client: TestClient, path: str, **headers: str) -> tuple[int, Mapping[str, str], bytes]:
    """Status, headers and the body as sent (the client would decode gzip)."""
    with client.stream("GET", path, headers=headers) as response:
        return response.status_code, response.headers, b"".join(response.iter_raw())


def _shared(headers: Mapping[str, str]) -> None:
    assert headers.get("access-control-allow-origin") == "*"
    assert headers.get("cross-origin-resource-policy") == "cross-origin"
    assert headers.get("timing-allow-origin") == "*"
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("vary") == "Accept-Encoding"


@pytest.mark.parametrize("accept", sorted(CODINGS))
def test_script_is_the_copy_accept_encoding_asks_for(
    client: TestClient, built: dict[str, object], accept: str
) -> None:
    coding, suffix, tag = CODINGS[accept]
    status, headers, body = _get(client, "/widget/shirube.js", **{"Accept-Encoding": accept})
    assert status == 200
    assert body == (STATIC / f"shirube.js{suffix}").read_bytes()
    assert headers.get("content-encoding") == coding
    assert headers["content-length"] == str(len(body))
    assert headers["content-type"] == "application/javascript; charset=utf-8"
    assert headers["cache-control"] == "public, max-age=300"
    assert headers["etag"] == f'"{built["hash"]}{tag}"'
    _shared(headers)


def test_compressed_copies_are_much_smaller(client: TestClient) -> None:
    sizes = {
        accept: len(_get(client, "/widget/shirube.js", **{"Accept-Encoding": accept})[2])
        for accept in ("identity", "gzip", "br")
    }
    assert sizes["br"] < sizes["gzip"] < sizes["identity"] / 2


@pytest.mark.parametrize("form", ['"{}"', 'W/"{}"', '"other", "{}"', "*"])
@pytest.mark.parametrize("accept", sorted(CODINGS))
def test_matching_if_none_match_answers_304(
    client: TestClient, built: dict[str, object], form: str, accept: str
) -> None:
    coding, _, tag = CODINGS[accept]
    etag = f"{built['hash']}{tag}"
    status, headers, body = _get(
        client,
        "/widget/shirube.js",
        **{"Accept-Encoding": accept, "If-None-Match": form.format(etag)},
    )
    assert status == 304
    assert body == b""
    assert headers["etag"] == f'"{etag}"'
    assert headers.get("content-encoding") == coding
    assert headers["cache-control"] == "public, max-age=300"
    _shared(headers)


def test_the_tag_of_another_copy_gets_this_one(
    client: TestClient, built: dict[str, object]
) -> None:
    # A cache holding the gzip copy asks for a client that takes brotli: it gets brotli.
    status, headers, body = _get(
        client,
        "/widget/shirube.js",
        **{"Accept-Encoding": "br", "If-None-Match": f'"{built["hash"]}-gz"'},
    )
    assert status == 200
    assert headers["content-encoding"] == "br"
    assert body == (STATIC / "shirube.js.br").read_bytes()


def test_another_etag_gets_the_script(client: TestClient) -> None:
    response = client.get("/widget/shirube.js", headers={"If-None-Match": '"0123456789abcdef"'})
    assert response.status_code == 200
    assert response.content == (STATIC / "shirube.js").read_bytes()


def test_head_answers_the_headers_of_get(client: TestClient) -> None:
    for accept in ("br", "gzip", "identity"):
        get = _get(client, "/widget/shirube.js", **{"Accept-Encoding": accept})[1]
        head = client.head("/widget/shirube.js", headers={"Accept-Encoding": accept})
        assert head.status_code == 200
        assert head.content == b""
        for name in ("content-length", "content-encoding", "etag", "vary", "cache-control"):
            assert head.headers.get(name) == get.get(name)


def test_hashed_url_is_immutable(client: TestClient, built: dict[str, object]) -> None:
    status, headers, body = _get(
        client, f"/widget/shirube.{built['hash']}.js", **{"Accept-Encoding": "br"}
    )
    assert status == 200
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-type"] == "application/javascript; charset=utf-8"
    assert headers["content-encoding"] == "br"
    assert body == (STATIC / "shirube.js.br").read_bytes()
    _shared(headers)
    head = client.head(f"/widget/shirube.{built['hash']}.js")
    assert head.status_code == 200


@pytest.mark.parametrize("name", ["shirube.0123456789abcdef.js", "shirube.x.js", "shirube.min.js"])
def test_other_hashes_are_not_found(client: TestClient, name: str) -> None:
    response = client.get(f"/widget/{name}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_source_map_is_served(client: TestClient) -> None:
    response = client.get("/widget/shirube.js.map")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["version"] == 3
    _shared(response.headers)
    etag = response.headers["etag"]
    assert client.get("/widget/shirube.js.map", headers={"If-None-Match": etag}).status_code == 304


def test_only_the_chunks_of_the_build_are_served(
    client: TestClient, built: dict[str, object]
) -> None:
    assert set(built["chunks"]) == {"extras", "help", "panel"}  # type: ignore[call-overload]
    response = client.get("/widget/chunks/help.0123456789abcdef.js")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@needs_node
@pytest.mark.parametrize("accept", sorted(CODINGS))
def test_hashed_chunk_is_immutable_and_negotiated(
    probe_client: TestClient, probe_build: Path, accept: str
) -> None:
    chunk = json.loads((probe_build / "manifest.json").read_text())["chunks"]["probe"]
    coding, suffix, tag = CODINGS[accept]
    status, headers, body = _get(
        probe_client, f"/widget/{chunk['file']}", **{"Accept-Encoding": accept}
    )
    assert status == 200
    assert body == (probe_build / f"{chunk['file']}{suffix}").read_bytes()
    assert headers.get("content-encoding") == coding
    assert headers["content-length"] == str(len(body))
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-type"] == "application/javascript; charset=utf-8"
    assert headers["etag"] == f'"{chunk["hash"]}{tag}"'
    _shared(headers)
    again = _get(
        probe_client,
        f"/widget/{chunk['file']}",
        **{"Accept-Encoding": accept, "If-None-Match": headers["etag"]},
    )
    assert again[0] == 304


@needs_node
def test_chunk_source_map_is_served(probe_client: TestClient, probe_build: Path) -> None:
    chunk = json.loads((probe_build / "manifest.json").read_text())["chunks"]["probe"]
    response = probe_client.get(f"/widget/{chunk['file']}.map")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "probe_chunk.ts" in response.json()["sources"][0]


@needs_node
@pytest.mark.parametrize(
    "path",
    [
        "chunks/probe.0123456789abcdef.js",  # a hash this build does not have
        "chunks/help.js",
        "chunks/manifest.json",
    ],
)
def test_unknown_chunks_are_not_found(probe_client: TestClient, path: str) -> None:
    response = probe_client.get(f"/widget/{path}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["chunks/..%2Fmanifest.json", "chunks/..%2F..%2Fapp.py"])
def test_only_files_the_manifest_names_are_served(client: TestClient, path: str) -> None:
    # A name is looked up among the manifest's, never joined to a directory.
    response = client.get(f"/widget/{path}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unbuilt_widget_is_a_clear_404(tmp_path: Path) -> None:
    app = Starlette(
        routes=widget_assets.routes(tmp_path),
        exception_handlers={ApiError: api_error_handler},
    )
    with TestClient(app) as client:
        for path in (
            "/widget/shirube.js",
            "/widget/shirube.js.map",
            "/widget/shirube.abc.js",
            "/widget/chunks/help.abc.js",
        ):
            response = client.get(path)
            assert response.status_code == 404
            assert "npm run build" in response.json()["error"]["message"]


def test_files_are_read_once_when_the_app_is_created(tmp_path: Path) -> None:
    shutil.copytree(STATIC, tmp_path, dirs_exist_ok=True)
    app = Starlette(routes=widget_assets.routes(tmp_path))
    for name in ("shirube.js", "shirube.js.gz", "shirube.js.br"):
        (tmp_path / name).write_bytes(b"changed on disk")
    with TestClient(app) as client:
        for accept in ("identity", "gzip", "br"):
            _, _, body = _get(client, "/widget/shirube.js", **{"Accept-Encoding": accept})
            assert body != b"changed on disk"


def test_a_build_without_compressed_copies_serves_the_plain_bytes(tmp_path: Path) -> None:
    shutil.copytree(STATIC, tmp_path, dirs_exist_ok=True)
    for copy in [*tmp_path.rglob("*.gz"), *tmp_path.rglob("*.br")]:
        copy.unlink()
    app = Starlette(routes=widget_assets.routes(tmp_path))
    with TestClient(app) as client:
        status, headers, body = _get(client, "/widget/shirube.js", **{"Accept-Encoding": "br"})
        assert status == 200
        assert "content-encoding" not in headers
        assert body == (STATIC / "shirube.js").read_bytes()


@pytest.mark.parametrize("accept", list(CODINGS))
def test_the_builder_is_served_like_the_entry(
    client: TestClient, built: dict[str, object], accept: str
) -> None:
    """/widget/builder.js (#14): the copy Accept-Encoding asks for, revalidated after five
    minutes like the entry (its name is fixed), loadable from any origin; its map too."""
    builder = built["builder"]
    assert isinstance(builder, dict)
    coding, suffix, tag = CODINGS[accept]
    status, headers, body = _get(client, "/widget/builder.js", **{"Accept-Encoding": accept})
    assert status == 200
    assert body == (STATIC / f"builder.js{suffix}").read_bytes()
    assert headers.get("content-encoding") == coding
    assert headers["cache-control"] == "public, max-age=300"
    assert headers["etag"] == f'"{builder["hash"]}{tag}"'
    _shared(headers)
    source_map = client.get("/widget/builder.js.map")
    assert source_map.status_code == 200 and source_map.json()["version"] == 3
