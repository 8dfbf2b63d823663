"""The OpenAPI document describes exactly the routes the app serves."""

from __future__ import annotations

from shirube.app import create_app
from shirube.settings import Settings
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

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
            for kind in ("tours", "checklists", "goals", "resource_centers"):
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


def _template(path: str) -> str:
    """The documented path of a concrete one (`/api/v1/tours/welcome` → `/api/v1/tours/{key}`)."""
    parts = path.split("?")[0].strip("/").split("/")
    known = {
        ("api", "v1", "users"): ["{user_id}"],
        ("api", "v1", "companies"): ["{company_id}"],
        ("api", "v1", "tours"): ["{key}"],
        ("api", "v1", "checklists"): ["{key}"],
        ("api", "v1", "goals"): ["{key}"],
        ("api", "v1", "resource_centers"): ["{key}"],
        ("api", "v1", "webhooks"): ["{endpoint_id}"],
    }
    if parts[:3] == ["api", "v1", "analytics"] and len(parts) == 6:
        fixed = "tours" if parts[5] == "funnel" else "{kind}"
        return "/" + "/".join([*parts[:3], fixed, "{key}", parts[5]])
    out = parts[:3]
    rest = parts[3:]
    if tuple(out) in known and rest:
        out += known[tuple(out)]
        rest = rest[1:]
        if rest[:1] == ["versions"] and len(rest) == 2:
            rest = ["versions", "{version}"]
        if rest[:1] == ["deliveries"] and len(rest) >= 2:
            rest = ["deliveries", "{delivery_id}", *rest[2:]]
    return "/" + "/".join(out + rest)


def test_every_documented_status_is_the_one_the_route_answers(client, workspace, database):
    """Each operation driven on its successful path, creating and changing: the statuses seen
    are the documented ones, and every documented success status is seen."""
    from tests.api.helpers import checklist_doc, manual_item, tour_doc
    from tests.conftest import ORIGIN

    auth = workspace.auth
    widget = {"Origin": ORIGIN}
    seen: dict[tuple[str, str], set[int]] = {}

    def call(method: str, path: str, **kwargs: object) -> dict:
        response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
        assert response.status_code < 300, (method, path, response.text)
        seen.setdefault((method.lower(), _template(path)), set()).add(response.status_code)
        return response.json() if response.content else {}

    call("GET", "/healthz")
    call("GET", "/readyz")
    call("GET", "/api/v1/openapi.json")
    call("GET", "/api/v1/workspace", headers=auth)
    call("PATCH", "/api/v1/workspace", headers=auth, json={"name": "Renamed"})
    call("POST", "/api/v1/workspace/identity-secret/rotate", headers=auth)
    call("GET", "/api/v1/workspace/identity-stats", headers=auth)
    for method in ("PUT", "PUT"):  # created, then updated
        call(method, "/api/v1/users/u1", headers=auth, json={"traits": {"role": "admin"}})
        call(method, "/api/v1/companies/c1", headers=auth, json={"traits": {"plan": "pro"}})
    call("GET", "/api/v1/users/u1", headers=auth)
    call("GET", "/api/v1/companies/c1", headers=auth)
    call("GET", "/api/v1/users/u1/progress", headers=auth)
    for kind, doc in (
        ("tours", tour_doc("welcome")),
        ("checklists", checklist_doc("setup", [manual_item("guide")])),
        (
            "goals",
            {
                "key": "g",
                "name": "G",
                "rules": [{"id": "r", "rule": {"type": "event", "event": "x"}}],
            },
        ),
        (
            "resource_centers",
            {
                "key": "help",
                "title": "Help",
                "sections": [
                    {
                        "id": "s",
                        "entries": [{"id": "a", "type": "article", "title": "A", "body": "B"}],
                    }
                ],
            },
        ),
    ):
        call("POST", f"/api/v1/{kind}", headers=auth, json=doc)
        call("PUT", f"/api/v1/{kind}/{doc['key']}", headers=auth, json=doc)  # replaced
        call("GET", f"/api/v1/{kind}", headers=auth)
        call("GET", f"/api/v1/{kind}/{doc['key']}", headers=auth)
        call("POST", f"/api/v1/{kind}/{doc['key']}/publish", headers=auth)
        call("GET", f"/api/v1/{kind}/{doc['key']}/versions", headers=auth)
        call("GET", f"/api/v1/{kind}/{doc['key']}/versions/1", headers=auth)
        call("POST", f"/api/v1/{kind}/{doc['key']}/rollback", headers=auth, json={"version": 1})
        call("POST", f"/api/v1/{kind}/{doc['key']}/unpublish", headers=auth)
        other = {**doc, "key": "other"}
        call("PUT", f"/api/v1/{kind}/other", headers=auth, json=other)  # created
        call("DELETE", f"/api/v1/{kind}/other", headers=auth)
    exported = call("GET", "/api/v1/content/export", headers=auth)
    call("POST", "/api/v1/content/import", headers=auth, json=exported)
    session = call(
        "POST",
        "/api/v1/widget/session",
        headers=widget,
        json={"public_key": workspace.public_key, "user_id": "u1"},
    )
    call(
        "POST",
        "/api/v1/widget/events",
        headers=widget,
        json={"token": session["token"], "events": [{"id": "w1", "name": "clicked"}]},
    )
    # The builder's calls, with a grant as the console mints one.
    from shirube.services.admins import create_admin
    from shirube.services.builder import new_grant
    from shirube.services.workspaces import workspace_by_id

    from tests.conftest import SECRET

    def mint(conn):
        admin = create_admin(conn, "ed@example.com", "p" * 12, {workspace.id: "editor"})
        ws = workspace_by_id(conn, workspace.id)
        return new_grant(conn, SECRET, admin, ws, "welcome", ORIGIN)

    put = call("PUT", "/api/v1/tours/welcome", headers=auth, json=tour_doc("welcome"))
    grant = {"grant": database.run_sync(mint), "public_key": workspace.public_key}
    call("POST", "/api/v1/widget/builder/draft", headers=widget, json=grant)
    builder_save = {**grant, "draft": put["draft"], "draft_revision": put["draft_revision"]}
    call("POST", "/api/v1/widget/builder/save", headers=widget, json=builder_save)
    event = {"id": "s1", "name": "shift.created", "user_id": "u1"}
    call("POST", "/api/v1/events", headers=auth, json={"events": [event]})

    hook = call(
        "POST",
        "/api/v1/webhooks",
        headers=auth,
        json={"url": "https://hooks.example.com/in", "kinds": ["tour.completed"]},
    )
    endpoint = f"/api/v1/webhooks/{hook['id']}"
    call("GET", "/api/v1/webhooks", headers=auth)
    call("GET", endpoint, headers=auth)
    call("PATCH", endpoint, headers=auth, json={"description": "CRM"})
    call("POST", endpoint + "/secret/rotate", headers=auth)
    completed = {
        "id": "t1",
        "name": "$tour_completed",
        "user_id": "u1",
        "properties": {"tour": "welcome"},
    }
    call("POST", "/api/v1/events", headers=auth, json={"events": [completed]})
    delivery = call("GET", endpoint + "/deliveries", headers=auth)["data"][0]["id"]
    call("GET", f"{endpoint}/deliveries/{delivery}", headers=auth)
    call("POST", f"{endpoint}/deliveries/{delivery}/resend", headers=auth)
    call("DELETE", endpoint, headers=auth)

    call("POST", "/api/v1/checklists/setup/publish", headers=auth)
    call("POST", "/api/v1/tours/welcome/publish", headers=auth)
    analytics = "/api/v1/analytics"
    for part in ("summary", "companies", "cohorts", "items", "stuck-users", "stuck-companies"):
        call("GET", f"{analytics}/checklists/setup/{part}", headers=auth)
    for path in ("objectives", "tours/welcome/funnel", "activity", "surveys", "backfills"):
        call("GET", f"{analytics}/{path}", headers=auth)
    call("GET", f"{analytics}/feature-usage?events=shift.created", headers=auth)

    document = client.get("/api/v1/openapi.json").json()
    documented = {
        (method, path): {
            int(status)
            for status in operation["responses"]
            if status.isdigit() and int(status) < 300
        }
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    assert set(seen) == set(documented)
    for operation, statuses in documented.items():
        assert seen[operation] == statuses, operation


def test_readyz_answers_503_as_documented_and_healthz_stays_alive():
    """An instance without its database is not ready (503: a load balancer takes it out of
    rotation) but alive (no restart would help). Found while fuzzing (tests/api/test_fuzz.py)."""
    nowhere = Settings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
        secret_key="k" * 40,
        env="test",
    )
    with TestClient(create_app(nowhere), raise_server_exceptions=False) as client:
        response = client.get("/readyz")
        alive = client.get("/healthz")
        document = client.get("/api/v1/openapi.json").json()
    assert response.status_code == 503
    assert response.json()["database"] is False
    assert alive.status_code == 200
    assert set(document["paths"]["/readyz"]["get"]["responses"]) == {"200", "503", "4XX"}
    assert set(document["paths"]["/healthz"]["get"]["responses"]) == {"200", "4XX"}


def test_every_answer_with_a_body_has_its_shape(client):
    """Success bodies are described property by property (api/answers.py), not as any object."""
    document = client.get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith("2") and status != "204":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema.get("required"), (method, path, status)
