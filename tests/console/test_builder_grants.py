"""Edit grants for the visual builder (#14): "Open in my app" in the console mints one, the
builder API accepts only it, only from its origin, only for its workspace and tour, only for
15 minutes and only until the admin signs out. Both engines."""

from __future__ import annotations

import time
from typing import Any

import pytest
from shirube.security.edit_grants import admin_fingerprint, mint_grant, read_grant
from shirube.services import audit
from shirube.services.admins import admin_by_id, set_password
from shirube.storage import Database
from shirube.storage.tables import workspace_admin
from starlette.testclient import TestClient

from tests.api.helpers import put_draft, tour_doc
from tests.conftest import ORIGIN, SECRET, WorkspaceKeys, make_workspace
from tests.console.conftest import csrf_from, make_admin, sign_in

OPEN = "/console/workspaces/{ws}/tours/{key}/open-in-app"
DRAFT = "/api/v1/widget/builder/draft"
SAVE = "/api/v1/widget/builder/save"


def _open(client: TestClient, ws: WorkspaceKeys, key: str = "welcome", **fields: str) -> Any:
    path = OPEN.format(ws=ws.id, key=key)
    data = {"origin": ORIGIN, "path": "/employees/42", "csrf_token": csrf_from(client, path)}
    data.update(fields)
    return client.post(path, data=data, follow_redirects=False)


def _grant(client: TestClient, ws: WorkspaceKeys, key: str = "welcome") -> str:
    answer = _open(client, ws, key)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith(ORIGIN + "/employees/42#shirube-edit=")
    return location.split("#shirube-edit=", 1)[1]


def _call(
    client: TestClient,
    ws: WorkspaceKeys,
    grant: str,
    origin: str = ORIGIN,
    draft: dict[str, Any] | None = None,
    revision: int | None = None,
) -> Any:
    """Read the grant's draft, or save `draft` over `revision` (by default the one stored,
    read first as the builder does)."""
    body: dict[str, Any] = {"grant": grant, "public_key": ws.public_key}
    path = DRAFT
    if draft is not None:
        if revision is None:
            read = client.post(DRAFT, json=body, headers={"Origin": origin})
            revision = read.json().get("draft_revision", 0) if read.status_code == 200 else 0
        body.update(draft=draft, draft_revision=revision)
        path = SAVE
    return client.post(path, json=body, headers={"Origin": origin})


@pytest.fixture
def editor(client: TestClient, database: Database, workspace: WorkspaceKeys) -> int:
    put_draft(client, workspace, "tour", tour_doc())
    admin_id = make_admin(database, "editor@example.com", {workspace.id: "editor"})
    assert sign_in(client, "editor@example.com").status_code == 303
    return admin_id


def test_open_in_app_redirects_to_the_app_with_a_grant(
    client: TestClient, workspace: WorkspaceKeys, editor: int
) -> None:
    page = client.get(OPEN.format(ws=workspace.id, key="welcome"))
    assert page.status_code == 200
    assert f'<option value="{ORIGIN}"' in page.text
    # The form's redirect leaves the console: its CSP names the app's origin.
    assert f"form-action 'self' {ORIGIN}" in page.headers["content-security-policy"]
    grant = _grant(client, workspace)
    answer = _call(client, workspace, grant)
    assert answer.status_code == 200, answer.text
    assert answer.json()["draft"]["key"] == "welcome"
    assert answer.headers["access-control-allow-origin"] == ORIGIN


def test_save_writes_the_draft_and_reports_fields(
    client: TestClient, workspace: WorkspaceKeys, editor: int
) -> None:
    grant = _grant(client, workspace)
    doc = tour_doc(steps=("a",))
    doc["steps"][0] = {
        "id": "a",
        "kind": "tooltip",
        "target": "#save",
        "title": {"en": "Save", "ja": "保存"},
    }
    saved = _call(client, workspace, grant, draft=doc)
    assert saved.status_code == 200, saved.text
    got = client.get("/api/v1/tours/welcome", headers=workspace.auth).json()["draft"]
    assert got["steps"][0]["target"] == "#save"
    # The same validation as the server API, paths inside the draft.
    bad = tour_doc(steps=("a",))
    bad["steps"][0] = {"id": "a", "kind": "tooltip", "title": "no target"}
    refused = _call(client, workspace, grant, draft=bad)
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["path"] == "steps[0].target"
    # The key is the grant's.
    other = _call(client, workspace, grant, draft=tour_doc(key="other"))
    assert (other.status_code, other.json()["error"]["code"]) == (403, "grant_wrong_tour")


def test_a_stale_save_is_refused_and_a_save_names_the_admin(
    client: TestClient, database: Database, workspace: WorkspaceKeys, editor: int
) -> None:
    grant = _grant(client, workspace)
    read = _call(client, workspace, grant).json()
    mine = dict(read["draft"], name="Mine")
    # Someone saves the draft elsewhere (the console's editor, the API) after the builder read.
    put_draft(client, workspace, "tour", dict(read["draft"], name="Theirs"))
    stale = _call(client, workspace, grant, draft=mine, revision=read["draft_revision"])
    assert stale.status_code == 409, stale.text
    error = stale.json()["error"]
    assert error["code"] == "conflict" and error["fields"][0]["path"] == "draft_revision"
    got = client.get("/api/v1/tours/welcome", headers=workspace.auth).json()
    assert got["draft"]["name"] == "Theirs"
    # Over the revision read again, the save goes through and names the grant's admin.
    saved = _call(client, workspace, grant, draft=mine, revision=got["draft_revision"])
    assert saved.status_code == 200, saved.text
    assert saved.json()["draft_revision"] == got["draft_revision"] + 1
    newest = database.run_sync(lambda conn: audit.entries(conn, workspace.id, limit=1)).entries
    assert (newest[0].actor, newest[0].actor_admin_id) == ("editor@example.com", editor)
    assert newest[0].after["name"] == "Mine"
    # The revision is required: a save without one is refused, naming the field.
    body = {"grant": grant, "public_key": workspace.public_key, "draft": mine}
    missing = client.post(SAVE, json=body, headers={"Origin": ORIGIN})
    assert missing.status_code == 422
    assert "draft_revision" in missing.text


def test_refusals(
    client: TestClient, database: Database, workspace: WorkspaceKeys, editor: int
) -> None:
    grant = _grant(client, workspace)
    put_draft(client, workspace, "tour", tour_doc(key="second"))
    other = make_workspace(database, "Other product")

    def code(answer: Any) -> tuple[int, str]:
        return answer.status_code, answer.json()["error"]["code"]

    evil = _call(client, workspace, grant, origin="https://evil.example")
    assert code(evil) == (403, "grant_wrong_origin")
    # CORS for the grant's origin only: the other page cannot read the answer.
    assert evil.headers["access-control-allow-origin"] == ORIGIN
    second = _call(client, workspace, grant, draft=tour_doc(key="second"))
    assert code(second) == (403, "grant_wrong_tour")
    assert code(_call(client, other, grant)) == (403, "grant_wrong_workspace")
    assert code(_call(client, workspace, grant[:-3] + "abc")) == (401, "grant_invalid")
    # A console session cookie or a widget token is no grant.
    assert code(_call(client, workspace, "eyJhbGciOiJIUzI1NiJ9.e30.x")) == (401, "grant_invalid")
    # The origin leaves the workspace's allowed origins: the grant goes with it.
    client.patch(
        "/api/v1/workspace",
        json={"allowed_origins": ["https://other.example.com"]},
        headers=workspace.auth,
    )
    assert code(_call(client, workspace, grant)) == (403, "origin_not_allowed")
    # No body, no grant.
    missing = client.post(DRAFT, json={}, headers={"Origin": ORIGIN})
    assert missing.status_code == 422


def test_grant_expires_after_15_minutes() -> None:
    now = time.time()
    token = mint_grant(
        SECRET, workspace_id=1, admin_id=1, tour="t", origin=ORIGIN, fingerprint="f", now=now
    )
    assert read_grant(SECRET, token, now=now + 899).tour == "t"
    with pytest.raises(Exception) as refused:
        read_grant(SECRET, token, now=now + 900)
    assert getattr(refused.value, "code", None) == "grant_expired"
    with pytest.raises(Exception) as other_key:
        read_grant(SECRET + "x", token, now=now)
    assert getattr(other_key.value, "code", None) == "grant_invalid"


def test_an_expired_grant_is_refused_by_the_api(
    client: TestClient, database: Database, workspace: WorkspaceKeys, editor: int
) -> None:
    admin = database.run_sync(lambda conn: admin_by_id(conn, editor))
    assert admin is not None
    token = mint_grant(
        SECRET,
        workspace_id=workspace.id,
        admin_id=editor,
        tour="welcome",
        origin=ORIGIN,
        fingerprint=admin_fingerprint(SECRET, admin.password_hash, admin.session_epoch),
        now=time.time() - 901,
    )
    answer = _call(client, workspace, token)
    assert (answer.status_code, answer.json()["error"]["code"]) == (401, "grant_expired")


@pytest.mark.parametrize("how", ["sign_out", "password", "role"])
def test_revoked(
    client: TestClient, database: Database, workspace: WorkspaceKeys, editor: int, how: str
) -> None:
    grant = _grant(client, workspace)
    assert _call(client, workspace, grant).status_code == 200
    if how == "sign_out":
        answer = client.post("/console/logout", data={"csrf_token": csrf_from(client, "/console/")})
        assert answer.status_code in (200, 303)
    elif how == "password":
        database.run_sync(lambda conn: set_password(conn, editor, "another long password"))
    else:
        database.run_sync(
            lambda conn: conn.run(
                workspace_admin.update()
                .where(workspace_admin.c.admin_id == editor)
                .values(role="viewer")
            )
        )
    answer = _call(client, workspace, grant)
    assert (answer.status_code, answer.json()["error"]["code"]) == (401, "grant_revoked")


def test_open_in_app_form_refusals(
    client: TestClient, database: Database, workspace: WorkspaceKeys, editor: int
) -> None:
    path = OPEN.format(ws=workspace.id, key="welcome")
    # No CSRF token: refused before anything else.
    assert client.post(path, data={"origin": ORIGIN, "path": "/"}).status_code == 403
    bad_origin = _open(client, workspace, origin="https://evil.example")
    assert bad_origin.status_code == 422
    assert 'data-error="open-in-app"' in bad_origin.text
    for path_value in ("//evil.example/x", "/a b", "/x#y", "relative"):
        assert _open(client, workspace, path=path_value).status_code == 422, path_value
    token = csrf_from(client, path)
    nope = OPEN.format(ws=workspace.id, key="nope")
    assert (
        client.post(nope, data={"origin": ORIGIN, "path": "/", "csrf_token": token}).status_code
        == 404
    )


def test_viewer_cannot_open_in_app(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    put_draft(client, workspace, "tour", tour_doc())
    make_admin(database, "viewer@example.com", {workspace.id: "viewer"})
    sign_in(client, "viewer@example.com")
    page = client.get(OPEN.format(ws=workspace.id, key="welcome"))
    assert page.status_code == 200 and "data-form" not in page.text
    assert _open(client, workspace).status_code == 403


def test_other_workspace_is_404(
    client: TestClient, database: Database, workspace: WorkspaceKeys, editor: int
) -> None:
    other = make_workspace(database, "Other product")
    put_draft(client, other, "tour", tour_doc())
    path = OPEN.format(ws=other.id, key="welcome")
    token = csrf_from(client, OPEN.format(ws=workspace.id, key="welcome"))
    answer = client.post(path, data={"origin": ORIGIN, "path": "/", "csrf_token": token})
    assert answer.status_code == 404


def test_a_builder_save_is_audited_as_the_admin(
    client: TestClient, database: Database, workspace: WorkspaceKeys, editor: int
) -> None:
    """The builder saves in the admin's name (the grant's), not the server API key's: the
    audit log must say who changed the tour."""
    grant = _grant(client, workspace)
    doc = tour_doc(steps=("a",))
    doc["steps"][0] = {"id": "a", "kind": "tooltip", "target": "#save", "title": "Save"}
    assert _call(client, workspace, grant, draft=doc).status_code == 200
    newest = database.run_sync(lambda conn: audit.entries(conn, workspace.id, limit=1)).entries[0]
    assert (newest.action, newest.subject) == ("draft_saved", "welcome")
    assert (newest.actor, newest.actor_admin_id) == ("editor@example.com", editor)


def test_another_origin_reads_no_refusal(
    client: TestClient, database: Database, workspace: WorkspaceKeys, editor: int
) -> None:
    """A page of another origin that got hold of a grant learns nothing from the API: the origin
    is checked first, so every refusal it gets is answered for the grant's origin only."""
    grant = _grant(client, workspace)
    other = make_workspace(database, "Other product")
    for answer in (
        _call(client, other, grant, origin="https://evil.example"),
        _call(client, workspace, grant, origin="https://evil.example", draft=tour_doc(key="x")),
    ):
        assert answer.json()["error"]["code"] == "grant_wrong_origin"
        assert answer.headers["access-control-allow-origin"] == ORIGIN
