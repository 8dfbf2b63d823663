"""Roles on every console route, found by walking the app's routes (so a route added later is
covered without touching this file): a viewer may change nothing, an editor nothing that is
the owners' (settings, keys, identity, admins), and an admin of another workspace sees none of
its pages. Whatever was refused leaves the audit log empty."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from shirube.services.audit import entries
from shirube.storage import Database
from starlette.routing import BaseRoute, Mount, Route
from starlette.testclient import TestClient

from tests.api.helpers import checklist_doc, publish, tour_doc, tour_item
from tests.conftest import WorkspaceKeys
from tests.console.conftest import as_role, make_admin, signed_in

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# Any signed-in admin (or nobody) may post these: they touch no workspace.
NO_WORKSPACE = {"/console/login", "/console/logout", "/console/language", "/console/password"}
# Posts every role of the workspace may make because they change nothing: the theme preview's
# sandbox answers the preview widget's calls with sample content and stores nothing.
READ_ONLY_POSTS = {
    "/console/workspaces/{workspace_id:int}/theme/preview/api/v1/widget/session",
    "/console/workspaces/{workspace_id:int}/theme/preview/api/v1/widget/events",
    # How many users an audience takes: a count, for the editor's script.
    "/console/workspaces/{workspace_id:int}/audience/count",
}
# Posts of the console's scripts: a JSON body and the CSRF token in a header (forms.checked_json).
JSON_POSTS = {"/console/workspaces/{workspace_id:int}/audience/count"}
# The owners' routes: the explicit ones, and any route of these kinds added later.
OWNER_ONLY = {
    "/console/workspaces/{workspace_id:int}/admins",
    "/console/workspaces/{workspace_id:int}/admins/{admin_id:int}/role",
    "/console/workspaces/{workspace_id:int}/admins/{admin_id:int}/remove",
}
OWNER_ONLY_PATTERN = re.compile(
    r"/(admins|settings|keys|webhooks|identity[\w-]*|secret[\w-]*)(/|$)"
)
# The theme is the editors' even where it sits among the settings.
EDITORS_TOO = re.compile(r"/theme(/|$)")


def owners_only(path: str) -> bool:
    return path in OWNER_ONLY or (
        OWNER_ONLY_PATTERN.search(path) is not None and EDITORS_TOO.search(path) is None
    )


@dataclass(frozen=True)
class Found:
    path: str  # the template, "/console/workspaces/{workspace_id:int}/…"
    route: Route
    methods: frozenset[str]


def _walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[Found]:
    for route in routes:
        if isinstance(route, Mount):
            yield from _walk(list(route.routes), prefix + route.path)
        elif isinstance(route, Route):
            yield Found(prefix + route.path, route, frozenset(route.methods or ()))


def console_routes(app: Any) -> list[Found]:
    return [f for f in _walk(list(app.routes)) if f.path.startswith("/console")]


def _concrete(found: Found, values: dict[str, object]) -> str:
    """The template with a value for each parameter that its convertor accepts."""
    path = found.path
    for name, convertor in found.route.param_convertors.items():
        candidates = [values.get(name), "tours", "welcome", "1"]
        value = next(
            str(c) for c in candidates if c is not None and re.fullmatch(convertor.regex, str(c))
        )
        path = re.sub(r"\{" + name + r"(:[^}]*)?\}", value, path)
    return path


def _send(client: TestClient, method: str, found: Found, path: str, token: str) -> Any:
    """The request a form or, for JSON_POSTS, a script would make, with a valid CSRF token."""
    if found.path in JSON_POSTS:
        headers = {"X-CSRF-Token": token}
        return client.request(method, path, json={}, headers=headers, follow_redirects=False)
    data = {"csrf_token": token, **_form()}
    return client.request(method, path, data=data, follow_redirects=False)


def _form() -> dict[str, str]:
    """Fields any of the forms might read, filled with valid-looking values."""
    return {
        "version": "1",
        "role": "owner",
        "email": "new@example.com",
        "url": "https://hooks.example.com/x",
        "kind:tour.completed": "on",
        "name": "x",
    }


@pytest.fixture
def seeded(client: TestClient, database: Database, workspace: WorkspaceKeys) -> dict[str, object]:
    publish(client, workspace, "tour", tour_doc())
    publish(client, workspace, "checklist", checklist_doc("welcome", [tour_item("t", "welcome")]))
    owner = make_admin(database, "owner@example.com", {workspace.id: "owner"})
    return {"workspace_id": workspace.id, "key": "welcome", "admin_id": owner}


def _audit_count(database: Database, workspace_id: int) -> int:
    return len(database.run_sync(lambda conn: entries(conn, workspace_id, limit=1000)).entries)


def test_the_walk_finds_the_routes(app: Any) -> None:
    paths = {f.path for f in console_routes(app) if f.methods & MUTATING}
    assert "/console/workspaces/{workspace_id:int}/{kind:console_kind}/{key:str}/publish" in paths
    assert paths >= OWNER_ONLY
    assert "/console/workspaces/{workspace_id:int}/webhooks" in paths


def test_a_viewer_can_change_nothing(
    app: Any,
    client: TestClient,
    database: Database,
    workspace: WorkspaceKeys,
    seeded: dict[str, object],
) -> None:
    token = as_role(client, database, workspace.id, "viewer")
    before = _audit_count(database, workspace.id)
    tried = 0
    for found in console_routes(app):
        if found.path in NO_WORKSPACE or found.path in READ_ONLY_POSTS:
            continue
        path = _concrete(found, seeded)
        for method in sorted(found.methods & MUTATING):
            answer = client.request(
                method, path, data={"csrf_token": token, **_form()}, follow_redirects=False
            )
            assert answer.status_code == 403, (method, path, answer.status_code)
            tried += 1
    assert tried >= 10
    assert _audit_count(database, workspace.id) == before


def test_an_editor_cannot_touch_the_owners_routes(
    app: Any,
    client: TestClient,
    database: Database,
    workspace: WorkspaceKeys,
    seeded: dict[str, object],
) -> None:
    token = as_role(client, database, workspace.id, "editor")
    before = _audit_count(database, workspace.id)
    owners = [f for f in console_routes(app) if f.methods & MUTATING and owners_only(f.path)]
    assert len(owners) >= len(OWNER_ONLY)
    for found in owners:
        path = _concrete(found, seeded)
        for method in sorted(found.methods & MUTATING):
            answer = client.request(
                method, path, data={"csrf_token": token, **_form()}, follow_redirects=False
            )
            assert answer.status_code == 403, (method, path, answer.status_code)
    assert _audit_count(database, workspace.id) == before
    # The editor still reads the admins page, without its forms.
    page = client.get(f"/console/workspaces/{workspace.id}/admins")
    assert page.status_code == 200 and 'name="role"' not in page.text


def test_another_workspaces_admin_sees_and_changes_nothing(
    app: Any,
    client: TestClient,
    database: Database,
    workspace: WorkspaceKeys,
    other_workspace: WorkspaceKeys,
    seeded: dict[str, object],
) -> None:
    before = _audit_count(database, workspace.id)
    make_admin(database, "stranger@example.com", {other_workspace.id: "owner"})
    token = signed_in(client, "stranger@example.com")
    for found in console_routes(app):
        if "workspace_id" not in found.route.param_convertors:
            continue
        path = _concrete(found, seeded)
        for method in sorted(found.methods - {"HEAD"}):
            if method in MUTATING:
                answer = _send(client, method, found, path, token)
            else:
                answer = client.request(method, path, follow_redirects=False)
            assert answer.status_code == 404, (method, path, answer.status_code)
    assert _audit_count(database, workspace.id) == before


def test_which_paths_are_the_owners() -> None:
    ws = "/console/workspaces/{workspace_id:int}"
    assert owners_only(ws + "/settings") and owners_only(ws + "/keys/rotate")
    assert owners_only(ws + "/identity-secret/rotate") and owners_only(ws + "/admins")
    assert not owners_only(ws + "/settings/theme") and not owners_only(ws + "/theme")
    assert owners_only(ws + "/webhooks/{endpoint_id:int}/rotate")
    assert not owners_only(ws + "/{kind:console_kind}/{key:str}/publish")
