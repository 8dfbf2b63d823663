"""An admin made by an invitation signs in with a password its inviter saw: the console sends
them to choose their own before anything else, and no other workspace may give that account a
role until they have. Any admin changes their own password from the header's link; the change
ends every other session and is in the audit log of each of the admin's workspaces."""

from __future__ import annotations

import re
from typing import Any

import pytest
from shirube.security.edit_grants import admin_fingerprint
from shirube.security.passwords import verify_password
from shirube.services import own_password
from shirube.services.admins import Admin, admin_by_email
from shirube.services.audit import entries
from shirube.storage import Database
from starlette.testclient import TestClient

from tests.conftest import WorkspaceKeys
from tests.console.conftest import PASSWORD, csrf_from, make_admin, sign_in

PAGE = "/console/password"
NEW = "a password of my very own"


def _post(client: TestClient, path: str, token: str, **fields: Any) -> Any:
    return client.post(path, data={"csrf_token": token, **fields}, follow_redirects=False)


def _owner_of(client: TestClient, database: Database, ws: WorkspaceKeys, email: str) -> str:
    make_admin(database, email, {ws.id: "owner"})
    assert sign_in(client, email).status_code == 303
    return csrf_from(client, "/console/")


def _invite(client: TestClient, token: str, ws: WorkspaceKeys, email: str, role: str) -> Any:
    return _post(client, f"/console/workspaces/{ws.id}/admins", token, email=email, role=role)


def _invited(client: TestClient, database: Database, ws: WorkspaceKeys) -> str:
    """new@example.com invited into `ws` by its owner (signed in on `client`): the password."""
    token = _owner_of(client, database, ws, "owner@example.com")
    answer = _invite(client, token, ws, "new@example.com", "editor")
    found = re.search(r'data-secret="password">([^<]+)<', answer.text)
    assert answer.status_code == 200 and found is not None
    return found.group(1)


def _admin(database: Database, email: str) -> Admin:
    found = database.run_sync(lambda conn: admin_by_email(conn, email))
    assert found is not None
    return found


def _change(client: TestClient, current: str, new: str = NEW, again: str | None = None) -> Any:
    token = csrf_from(client, PAGE)
    fields = {"current_password": current, "new_password": new, "new_password_again": again}
    return _post(client, PAGE, token, **{**fields, "new_password_again": again or new})


def test_an_invited_admin_chooses_a_password_before_anything_else(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    given = _invited(client, database, workspace)
    assert _admin(database, "new@example.com").password_pending
    newcomer = TestClient(client.app)
    signed_in = sign_in(newcomer, "new@example.com", given)
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, PAGE)
    # The inviting owner, who knows the password too, signs in as the newcomer meanwhile.
    inviter_copy = TestClient(client.app)
    assert sign_in(inviter_copy, "new@example.com", given).status_code == 303
    token = csrf_from(newcomer, PAGE)
    base = f"/console/workspaces/{workspace.id}"
    for method, path in (
        ("GET", "/console/"),
        ("GET", base),
        ("GET", f"{base}/admins"),
        ("GET", f"{base}/audit"),
        ("POST", f"{base}/admins"),
        ("GET", "/console/login"),
    ):
        data = {"csrf_token": token, "email": "x@example.com", "role": "owner"}
        answer = newcomer.request(
            method, path, data=data if method == "POST" else None, follow_redirects=False
        )
        assert answer.status_code == 303, (method, path, answer.status_code)
        assert answer.headers["location"] in (PAGE, "/console/"), (method, path)
        if answer.headers["location"] == "/console/":  # the sign-in page sends home first
            assert newcomer.get("/console/", follow_redirects=False).headers["location"] == PAGE
    page = newcomer.get(PAGE)
    assert page.status_code == 200 and "data-pending" in page.text
    assert 'href="/console/password"' in page.text

    changed = _change(newcomer, given)
    assert (changed.status_code, changed.headers["location"]) == (303, PAGE + "?changed=1")
    after = _admin(database, "new@example.com")
    assert not after.password_pending and verify_password(NEW, after.password_hash)
    done = newcomer.get(PAGE + "?changed=1")
    assert "data-changed" in done.text and "data-pending" not in done.text
    # This browser goes on; the copy the inviter holds ends, and the given password with it.
    assert newcomer.get(f"{base}/admins").status_code == 200
    ended = inviter_copy.get("/console/", follow_redirects=False)
    assert (ended.status_code, ended.headers["location"]) == (303, "/console/login")
    assert sign_in(TestClient(client.app), "new@example.com", given).status_code == 400
    again = sign_in(TestClient(client.app), "new@example.com", NEW)
    assert (again.status_code, again.headers["location"]) == (303, "/console/")


def test_no_role_in_another_workspace_while_the_password_is_pending(
    client: TestClient, database: Database, workspace: WorkspaceKeys, other_workspace: WorkspaceKeys
) -> None:
    given = _invited(client, database, workspace)
    # A's owner may still change the role in A: nothing reaches another workspace.
    newcomer_id = _admin(database, "new@example.com").id
    role_path = f"/console/workspaces/{workspace.id}/admins/{newcomer_id}/role"
    assert (
        _post(client, role_path, csrf_from(client, "/console/"), role="viewer").status_code == 303
    )
    listed = client.get(f"/console/workspaces/{workspace.id}/admins").text
    assert re.search(r'data-admin="new@example.com">.*?data-pending', listed, re.S)

    other_owner = TestClient(client.app)
    token = _owner_of(other_owner, database, other_workspace, "b-owner@example.com")
    refused = _invite(other_owner, token, other_workspace, "New@Example.com", "viewer")
    assert refused.status_code == 409 and 'role="alert"' in refused.text
    assert "has not chosen their own password yet; ask them to sign in first" in refused.text
    assert 'data-secret="password"' not in refused.text
    ja = other_owner.post(
        f"/console/workspaces/{other_workspace.id}/admins",
        data={"csrf_token": token, "email": "new@example.com", "role": "viewer"},
        headers={"Accept-Language": "ja"},
    )
    assert ja.status_code == 409 and "自分のパスワードを設定していません" in ja.text
    members = other_owner.get(f"/console/workspaces/{other_workspace.id}/admins").text
    assert "new@example.com" not in members

    newcomer = TestClient(client.app)
    sign_in(newcomer, "new@example.com", given)
    assert _change(newcomer, given).status_code == 303
    granted = _invite(other_owner, token, other_workspace, "new@example.com", "viewer")
    assert granted.status_code == 200 and 'data-secret="password"' not in granted.text
    assert newcomer.get(f"/console/workspaces/{other_workspace.id}").status_code == 200


def test_refusals_leave_the_password_and_the_flag(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    given = _invited(client, database, workspace)
    newcomer = TestClient(client.app)
    sign_in(newcomer, "new@example.com", given)
    before = _admin(database, "new@example.com")
    # CSRF: no token, a forged one.
    fields = {"current_password": given, "new_password": NEW, "new_password_again": NEW}
    assert newcomer.post(PAGE, data=fields).status_code == 403
    assert newcomer.post(PAGE, data={**fields, "csrf_token": "forged"}).status_code == 403
    for current, new, again, status, field in (
        ("not the password", NEW, NEW, 400, "current_password"),
        ("x" * 5000, NEW, NEW, 400, "current_password"),
        (given, "short", "short", 422, "new_password"),
        (given, "y" * 1025, "y" * 1025, 422, "new_password"),
        (given, given, given, 422, "new_password"),
        (given, NEW, NEW + "!", 422, "new_password_again"),
    ):
        answer = _change(newcomer, current, new, again)
        assert answer.status_code == status, (current[:10], new[:10])
        assert f'role="alert" data-field="{field}"' in answer.text
        assert 'aria-invalid="true"' in answer.text and NEW not in answer.text
    short = _change(newcomer, given, "short", "short")
    assert "at least 8 characters" in short.text
    assert _admin(database, "new@example.com") == before
    assert newcomer.get("/console/", follow_redirects=False).headers["location"] == PAGE
    # Signed out, the page is the sign-in's.
    anonymous = TestClient(client.app)
    for method in ("GET", "POST"):
        answer = anonymous.request(method, PAGE, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/console/login")


def test_any_admin_changes_their_password_recorded_in_each_workspace(
    client: TestClient, database: Database, workspace: WorkspaceKeys, other_workspace: WorkspaceKeys
) -> None:
    make_admin(database, "both@example.com", {workspace.id: "viewer", other_workspace.id: "owner"})
    before = _admin(database, "both@example.com")
    assert not before.password_pending  # made as the CLI makes admins
    assert sign_in(client, "both@example.com").status_code == 303
    elsewhere = TestClient(client.app)
    sign_in(elsewhere, "both@example.com")
    home = client.get("/console/")
    assert home.status_code == 200 and 'href="/console/password"' in home.text
    page = client.get(PAGE, headers={"Accept-Language": "ja"})
    assert "現在のパスワード" in page.text and "data-pending" not in page.text
    assert _change(client, PASSWORD).status_code == 303
    after = _admin(database, "both@example.com")
    # Edit grants fingerprint the hash as sessions do: those minted before are revoked.
    assert admin_fingerprint("k", after.password_hash, after.session_epoch) != admin_fingerprint(
        "k", before.password_hash, before.session_epoch
    )
    assert (
        elsewhere.get("/console/", follow_redirects=False).headers["location"] == "/console/login"
    )
    assert client.get("/console/").status_code == 200
    for ws in (workspace, other_workspace):
        found = database.run_sync(lambda conn, ws=ws: entries(conn, ws.id).entries)
        changed = [e for e in found if e.action == own_password.PASSWORD_CHANGED]
        assert len(changed) == 1
        entry = changed[0]
        assert (entry.actor_admin_id, entry.actor) == (before.id, "both@example.com")
        assert (entry.subject_kind, entry.subject) == ("admin", "both@example.com")
        stored = repr(entry)
        assert PASSWORD not in stored and NEW not in stored and "scrypt" not in stored
    audit_page = client.get(f"/console/workspaces/{other_workspace.id}/audit")
    assert "changed the password of" in audit_page.text


@pytest.mark.parametrize(
    ("current", "new", "again", "expected"),
    [
        ("old password", "new password!", "new password!", None),
        ("old password", "1234567", "1234567", "too_short"),
        ("old password", "12345678", "12345678", None),
        ("old password", "z" * 1025, "z" * 1025, "too_long"),
        ("old password", "old password", "old password", "same"),
        ("old password", "new password!", "new password?", "mismatch"),
    ],
)
def test_the_rules(current: str, new: str, again: str, expected: str | None) -> None:
    assert own_password.problem(current, new, again) == expected


def test_guessing_the_current_password_is_throttled_like_a_sign_in(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    make_admin(database, "me@example.com", {workspace.id: "viewer"})
    sign_in(client, "me@example.com")
    statuses = [_change(client, f"guess {n}").status_code for n in range(6)]
    assert statuses[:5] == [400] * 5 and statuses[5] == 429
    refused = _change(client, PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert 'data-field="current_password"' in refused.text
    assert verify_password(PASSWORD, _admin(database, "me@example.com").password_hash)
