"""Serving the widget: revalidated at its stable URL, cached for a year at its hashed URL,
usable from any origin, and a clear 404 when it was never built."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from shirube.api import widget_assets
from shirube.api.errors import ApiError, api_error_handler
from shirube.app import create_app
from shirube.settings import Settings
from starlette.applications import Starlette
from starlette.testclient import TestClient

STATIC = widget_assets.STATIC
SETTINGS = Settings(database_url="sqlite://", secret_key="k" * 40, env="test")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    # Serving static files needs no database: one in-memory app for the module.
    with TestClient(create_app(SETTINGS)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def built() -> dict[str, object]:
    manifest: dict[str, object] = json.loads((STATIC / "manifest.json").read_text("utf-8"))
    return manifest


def _cross_origin(headers: Mapping[str, str]) -> None:
    assert headers.get("access-control-allow-origin") == "*"
    assert headers.get("cross-origin-resource-policy") == "cross-origin"


def test_script_is_revalidated_with_an_etag(client: TestClient, built: dict[str, object]) -> None:
    response = client.get("/widget/shirube.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["etag"] == f'"{built["hash"]}"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == (STATIC / "shirube.js").read_bytes()
    _cross_origin(response.headers)


@pytest.mark.parametrize("form", ['"{}"', 'W/"{}"', '"other", "{}"', "*"])
def test_matching_if_none_match_answers_304(
    client: TestClient, built: dict[str, object], form: str
) -> None:
    response = client.get(
        "/widget/shirube.js", headers={"If-None-Match": form.format(built["hash"])}
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == f'"{built["hash"]}"'
    _cross_origin(response.headers)


def test_another_etag_gets_the_script(client: TestClient) -> None:
    response = client.get("/widget/shirube.js", headers={"If-None-Match": '"0123456789abcdef"'})
    assert response.status_code == 200
    assert response.content == (STATIC / "shirube.js").read_bytes()


def test_hashed_url_is_immutable(client: TestClient, built: dict[str, object]) -> None:
    response = client.get(f"/widget/shirube.{built['hash']}.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"] == "application/javascript; charset=utf-8"
    assert response.content == (STATIC / "shirube.js").read_bytes()
    _cross_origin(response.headers)
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
    assert response.json()["version"] == 3
    _cross_origin(response.headers)
    etag = response.headers["etag"]
    assert client.get("/widget/shirube.js.map", headers={"If-None-Match": etag}).status_code == 304


def test_unbuilt_widget_is_a_clear_404(tmp_path: Path) -> None:
    app = Starlette(
        routes=widget_assets.routes(tmp_path),
        exception_handlers={ApiError: api_error_handler},
    )
    with TestClient(app) as client:
        for path in ("/widget/shirube.js", "/widget/shirube.js.map", "/widget/shirube.abc.js"):
            response = client.get(path)
            assert response.status_code == 404
            assert "npm run build" in response.json()["error"]["message"]


def test_files_are_read_once_when_the_app_is_created(tmp_path: Path) -> None:
    for name in ("shirube.js", "shirube.js.map", "manifest.json"):
        (tmp_path / name).write_bytes((STATIC / name).read_bytes())
    app = Starlette(routes=widget_assets.routes(tmp_path))
    (tmp_path / "shirube.js").write_bytes(b"changed on disk")
    with TestClient(app) as client:
        assert client.get("/widget/shirube.js").content == (STATIC / "shirube.js").read_bytes()
