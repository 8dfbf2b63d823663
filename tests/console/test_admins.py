"""Owners manage a workspace's admins in the console: invite a new admin (a password shown
once, which signs in), grant a role to an existing one, change and remove roles, never the
last owner; editors and viewers read the list only."""

from __future__ import annotations

import re

from shirube.services.admins import admin_by_email
from shirube.storage import Database
from starlette.testclient import TestClient

from tests.conftest import WorkspaceKeys
from tests.console.conftest import make_admin, post_form, sign_in, signed_in


def _owner(client: TestClient, database: Database, ws: WorkspaceKeys) -> tuple[int, str]:
    owner = make_admin(database, "owner@example.com", {ws.id: "owner"})
    return owner, signed_in(client, "owner@example.com")


def _roles(client: TestClient, ws: WorkspaceKeys) -> dict[str, str]:
    page = client.get(f"/console/workspaces/{ws.id}/admins").text
    found = re.findall(r'<tr data-admin="([^"]+)">.*?data-role="(\w+)"', page, re.S)
    return dict(found)


def test_invite_a_new_admin_who_signs_in_with_the_password_shown_once(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    _, token = _owner(client, database, workspace)
    base = f"/console/workspaces/{workspace.id}/admins"
    answer = post_form(client, base, token, email=" New@Example.com ", role="editor")
    assert answer.status_code == 200
    password = re.search(r'data-secret="password">([^<]+)<', answer.text)
    assert password is not None
    assert _roles(client, workspace) == {"new@example.com": "editor", "owner@example.com": "owner"}
    again = post_form(client, base, token, email="new@example.com", role="viewer")
    assert again.status_code == 409 and "already has a role" in again.text
    newcomer = TestClient(client.app)
    assert sign_in(newcomer, "new@example.com", password.group(1)).status_code == 303
    # First their own password (tests/console/test_password.py), then the workspace.
    page = newcomer.get(f"/console/workspaces/{workspace.id}", follow_redirects=False)
    assert page.headers["location"] == "/console/password"


def test_grant_a_role_to_an_existing_admin_and_bad_fields(
    client: TestClient, database: Database, workspace: WorkspaceKeys, other_workspace: WorkspaceKeys
) -> None:
    make_admin(database, "elsewhere@example.com", {other_workspace.id: "owner"})
    _, token = _owner(client, database, workspace)
    base = f"/console/workspaces/{workspace.id}/admins"
    answer = post_form(client, base, token, email="elsewhere@example.com", role="viewer")
    assert answer.status_code == 200 and 'data-secret="password"' not in answer.text
    assert _roles(client, workspace)["elsewhere@example.com"] == "viewer"
    for fields in ({"email": "not-an-email", "role": "editor"}, {"email": "a@b.co", "role": "god"}):
        refused = post_form(client, base, token, **fields)
        assert refused.status_code == 422 and 'role="alert"' in refused.text
    bad = post_form(client, base, token, email="<b>x</b>@evil.example", role="editor")
    assert bad.status_code == 422 and "<b>x</b>" not in bad.text


def test_change_and_remove_roles_but_never_the_last_owner(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    owner, token = _owner(client, database, workspace)
    other = make_admin(database, "second@example.com", {workspace.id: "editor"})
    base = f"/console/workspaces/{workspace.id}/admins"
    refused = post_form(client, f"{base}/{owner}/role", token, role="editor")
    assert refused.status_code == 409 and "at least one owner" in refused.text
    assert post_form(client, f"{base}/{owner}/remove", token).status_code == 409
    assert post_form(client, f"{base}/{other}/role", token, role="owner").status_code == 303
    assert _roles(client, workspace)["second@example.com"] == "owner"
    # Now the first owner may step down.
    assert post_form(client, f"{base}/{owner}/role", token, role="viewer").status_code == 303
    assert post_form(client, f"{base}/{other}/remove", token).status_code == 403  # a viewer now
    assert _roles(client, workspace) == {
        "owner@example.com": "viewer",
        "second@example.com": "owner",
    }
    assert post_form(client, f"{base}/999999/remove", token).status_code == 403


def test_owner_removes_an_admin_who_keeps_the_account(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    _, token = _owner(client, database, workspace)
    other = make_admin(database, "gone@example.com", {workspace.id: "viewer"})
    base = f"/console/workspaces/{workspace.id}/admins"
    assert post_form(client, f"{base}/{other}/remove", token).status_code == 303
    assert "gone@example.com" not in _roles(client, workspace)
    assert database.run_sync(lambda conn: admin_by_email(conn, "gone@example.com")) is not None
    assert post_form(client, f"{base}/{other}/remove", token).status_code == 404
    assert post_form(client, f"{base}/{other}/role", token, role="owner").status_code == 404


def test_forms_without_the_csrf_token_are_refused(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    owner, _ = _owner(client, database, workspace)
    base = f"/console/workspaces/{workspace.id}/admins"
    for path, fields in (
        (base, {"email": "x@example.com", "role": "owner"}),
        (f"{base}/{owner}/role", {"role": "viewer"}),
        (f"{base}/{owner}/remove", {}),
    ):
        assert client.post(path, data=fields).status_code == 403
        assert client.post(path, data={**fields, "csrf_token": "forged"}).status_code == 403
    assert _roles(client, workspace) == {"owner@example.com": "owner"}
