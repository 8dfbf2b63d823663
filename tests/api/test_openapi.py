"""The OpenAPI document describes exactly the routes the app serves."""

from __future__ import annotations

from shirube.app import create_app
from shirube.settings import Settings
from starlette.routing import Mount, Route

SETTINGS = Settings(database_url="sqlite://", secret_key="k" * 40, env="test")


def _served() -> set[tuple[str, str]]:
    app = create_app(SETTINGS)
    served: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, Mount) and route.path == "/console":
            continue  # the admin console's HTML pages (server/shirube/console/), not the JSON API
        assert isinstance(route, Route)
        path = route.path.replace(":int", "").replace(":str", "")
        if path.startswith("/widget/"):
            continue  # the widget's static files (api/widget_assets.py), not the JSON API
        methods = (route.methods or set()) - {"HEAD"}
        if "{kind:content_kind}" in path:
            for kind in ("tours", "checklists"):
                served |= {(m.lower(), path.replace("{kind:content_kind}", kind)) for m in methods}
        else:
            served |= {(m.lower(), path) for m in methods}
    return served


def test_every_route_is_described_and_nothing_else(client):
    document = client.get("/api/v1/openapi.json").json()
    described = {
        (method, path) for path, operations in document["paths"].items() for method in operations
    }
    assert described == _served()


def test_document_is_openapi_3_with_request_schemas(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    events = document["paths"]["/api/v1/events"]["post"]
    ref = events["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = ref.rsplit("/", 1)[-1]
    assert "events" in document["components"]["schemas"][name]["properties"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path.startswith("/api/v1/") and "widget" not in path and "openapi" not in path:
                assert operation.get("security") == [{"secretKey": []}], (method, path)
