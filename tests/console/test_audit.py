"""The audit log: every change of content, settings, keys, webhook endpoints and admins is
recorded with who made it (the API key, or the console admin), before and after; secrets never
are; the console's page shows it newest first, a page at a time, the diff read for content."""

from __future__ import annotations

import re
from typing import Any

import pytest
from shirube.services import audit
from shirube.services.audit import AuditEntry
from shirube.settings import Settings
from shirube.storage import Database
from starlette.testclient import TestClient

from tests.api.helpers import put_draft, tour_doc
from tests.conftest import SECRET, WorkspaceKeys
from tests.console.conftest import make_admin, post_form, sign_in, signed_in

HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Webhook endpoints on the loopback address are allowed, as in tests/webhooks."""
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        env="test",
        webhook_allow_http=True,
        webhook_allow_networks=("127.0.0.0/8",),
    )


def _entries(database: Database, ws: WorkspaceKeys) -> list[AuditEntry]:
    """Oldest first."""
    page = database.run_sync(lambda conn: audit.entries(conn, ws.id, limit=1000))
    return list(reversed(page.entries))


def _summary(found: list[AuditEntry]) -> list[tuple[str, str, str, str]]:
    return [(e.actor, e.action, e.subject_kind, e.subject) for e in found]


def test_api_changes_are_recorded_as_the_api_key(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    auth = workspace.auth
    put_draft(client, workspace, "tour", tour_doc())
    put_draft(client, workspace, "tour", tour_doc(steps=("s1", "s2")))
    put_draft(client, workspace, "tour", tour_doc(steps=("s1", "s2")))  # no change: no entry
    assert client.post("/api/v1/tours/welcome/publish", headers=auth).status_code == 200
    put_draft(client, workspace, "tour", tour_doc(steps=("s1",)))
    assert client.post("/api/v1/tours/welcome/publish", headers=auth).status_code == 200
    rollback = client.post("/api/v1/tours/welcome/rollback", json={"version": 1}, headers=auth)
    assert rollback.status_code == 200
    assert client.post("/api/v1/tours/welcome/unpublish", headers=auth).status_code == 200
    assert client.delete("/api/v1/tours/welcome", headers=auth).status_code == 204
    patch = {"name": "Renamed", "allowed_origins": ["https://a.example.com"]}
    assert client.patch("/api/v1/workspace", json=patch, headers=auth).status_code == 200
    assert client.patch("/api/v1/workspace", json=patch, headers=auth).status_code == 200
    rotate = "/api/v1/workspace/identity-secret/rotate"
    secret = client.post(rotate, headers=auth).json()["identity_secret"]
    assert client.post(rotate + "?finish=true", headers=auth).status_code == 200
    hook = client.post(
        "/api/v1/webhooks", json={"url": HOOK, "kinds": ["tour.completed"]}, headers=auth
    )
    assert hook.status_code == 201, hook.text
    hook_id, hook_secret = hook.json()["id"], hook.json()["secret"]
    changed = client.patch(f"/api/v1/webhooks/{hook_id}", json={"enabled": False}, headers=auth)
    assert changed.status_code == 200
    assert client.post(f"/api/v1/webhooks/{hook_id}/secret/rotate", headers=auth).status_code == 200
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=auth).status_code == 204

    found = _entries(database, workspace)
    key = "api key"
    assert _summary(found) == [
        (key, "created", "tour", "welcome"),
        # Two saves in a row by one actor make one entry.
        (key, "draft_saved", "tour", "welcome"),
        (key, "published", "tour", "welcome"),
        (key, "draft_saved", "tour", "welcome"),
        (key, "published", "tour", "welcome"),
        (key, "rolled_back", "tour", "welcome"),
        (key, "unpublished", "tour", "welcome"),
        (key, "deleted", "tour", "welcome"),
        (key, "settings_changed", "settings", "allowed_origins, name"),
        (key, "key_rotated", "key", "identity_secret"),
        (key, "key_rotation_finished", "key", "identity_secret"),
        (key, "webhook_added", "webhook", HOOK),
        (key, "webhook_changed", "webhook", HOOK),
        (key, "key_rotated", "webhook", HOOK),
        (key, "webhook_deleted", "webhook", HOOK),
    ]
    assert all(e.actor_admin_id is None for e in found)
    published = found[4]
    assert [s["id"] for s in published.before["steps"]] == ["s1", "s2"]
    assert [s["id"] for s in published.after["steps"]] == ["s1"]
    assert published.detail == {"version": 2, "restored_from": None}
    assert found[5].detail == {"version": 3, "restored_from": 1}
    assert found[8].before == {
        "name": "Kintai Cloud",
        "allowed_origins": ["https://app.example.com"],
    }
    assert found[8].after == {"name": "Renamed", "allowed_origins": ["https://a.example.com"]}
    assert found[12].before["enabled"] is True and found[12].after["enabled"] is False
    # Secrets are never kept.
    everything = repr([(e.before, e.after, e.detail) for e in found])
    for value in (secret, hook_secret, workspace.identity_secret, workspace.secret_key):
        assert value not in everything


def test_console_changes_are_recorded_as_the_admin_and_shown(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    owner = make_admin(database, "owner@example.com", {workspace.id: "owner"})
    token = signed_in(client, "owner@example.com")
    ws = f"/console/workspaces/{workspace.id}"
    put_draft(client, workspace, "tour", tour_doc())
    assert post_form(client, ws + "/tours/welcome/publish", token).status_code == 303
    changed = tour_doc()
    changed["steps"][1]["title"] = {"en": "Second", "ja": "二番目"}
    put_draft(client, workspace, "tour", changed)
    assert post_form(client, ws + "/tours/welcome/publish", token).status_code == 303
    assert post_form(client, ws + "/tours/welcome/rollback", token, version="1").status_code == 303
    assert post_form(client, ws + "/tours/welcome/unpublish", token).status_code == 303
    assert (
        post_form(client, ws + "/admins", token, email="ed@example.com", role="editor").status_code
        == 200
    )
    editor = next(e for e in _entries(database, workspace) if e.subject == "ed@example.com")
    assert (
        post_form(
            client, ws + "/webhooks", token, url=HOOK, **{"kind:tour.completed": "on"}
        ).status_code
        == 200
    )
    hook_id = client.get("/api/v1/webhooks", headers=workspace.auth).json()["data"][0]["id"]
    assert post_form(client, f"{ws}/webhooks/{hook_id}/rotate", token).status_code == 200
    assert post_form(client, f"{ws}/webhooks/{hook_id}/delete", token).status_code == 303
    assert editor.actor == "owner@example.com" and editor.after == {"role": "editor"}

    mine = [e for e in _entries(database, workspace) if e.actor_admin_id == owner]
    assert [(e.action, e.subject) for e in mine] == [
        ("published", "welcome"),
        ("published", "welcome"),
        ("rolled_back", "welcome"),
        ("unpublished", "welcome"),
        ("admin_added", "ed@example.com"),
        ("webhook_added", HOOK),
        ("key_rotated", HOOK),
        ("webhook_deleted", HOOK),
    ]
    page = client.get(ws + "/audit")
    assert page.status_code == 200
    rows = re.findall(r'<tr data-entry="\d+" data-action="(\w+)">', page.text)
    assert rows[0] == "webhook_deleted" and "published" in rows
    text = re.sub(r"<[^>]+>", "", page.text)
    assert "Step 2 ‘s2’ · Title: “Step s2” → “en: Second; ja: 二番目”" in text
    assert "owner@example.com" in text and "api key" in text


def test_a_role_change_and_removal_in_the_console_are_recorded(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    make_admin(database, "owner@example.com", {workspace.id: "owner"})
    other = make_admin(database, "other@example.com", {workspace.id: "viewer"})
    token = signed_in(client, "owner@example.com")
    base = f"/console/workspaces/{workspace.id}/admins/{other}"
    assert post_form(client, base + "/role", token, role="editor").status_code == 303
    assert post_form(client, base + "/remove", token).status_code == 303
    last = _entries(database, workspace)[-2:]
    assert [(e.action, e.before, e.after) for e in last] == [
        ("role_changed", {"role": "viewer"}, {"role": "editor"}),
        ("admin_removed", {"role": "editor"}, None),
    ]
    text = re.sub(r"<[^>]+>", "", client.get(f"/console/workspaces/{workspace.id}/audit").text)
    assert "Role: “viewer” → “editor”" in text


def test_the_audit_page_pages_newest_first_and_viewers_read_it(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    def fill(conn: Any) -> None:
        for n in range(120):
            audit.record(conn, workspace.id, "settings_changed", "settings", f"name{n}")

    make_admin(database, "viewer@example.com", {workspace.id: "viewer"})
    database.run_sync(fill)
    sign_in(client, "viewer@example.com")
    base = f"/console/workspaces/{workspace.id}/audit"
    first = client.get(base)
    assert first.status_code == 200
    subjects = re.findall(r"<code>(name\d+)</code>", first.text)
    assert subjects[:2] == ["name119", "name118"] and len(subjects) == 50
    older = re.search(r'href="([^"]+)" data-link="older"', first.text)
    assert older is not None
    second = client.get(older.group(1).replace("&amp;", "&"))
    assert re.findall(r"<code>(name\d+)</code>", second.text)[0] == "name69"
    for bad in ("x", "-1", "99999999999999"):
        assert client.get(base + "?before=" + bad).status_code == 200


def test_one_items_entries_from_its_versions_page(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    put_draft(client, workspace, "tour", tour_doc("one"))
    put_draft(client, workspace, "tour", tour_doc("two"))
    client.post("/api/v1/tours/one/publish", headers=workspace.auth)
    make_admin(database, "viewer@example.com", {workspace.id: "viewer"})
    sign_in(client, "viewer@example.com")
    versions = client.get(f"/console/workspaces/{workspace.id}/tours/one/versions").text
    link = re.search(r'href="([^"]+)" data-link="item-audit"', versions)
    assert link is not None
    page = client.get(link.group(1).replace("&amp;", "&"))
    assert page.status_code == 200 and 'data-filter="subject"' in page.text
    assert re.findall(r'data-action="(\w+)"', page.text) == ["published", "created"]
    assert "<code>two</code>" not in page.text
    # An unknown kind or a key alone shows everything.
    everything = client.get(f"/console/workspaces/{workspace.id}/audit?kind=admin&key=x").text
    assert "<code>two</code>" in everything and 'data-filter="subject"' not in everything


def test_a_theme_saved_in_the_console_is_recorded_as_the_editor(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    make_admin(database, "editor@example.com", {workspace.id: "editor"})
    token = signed_in(client, "editor@example.com")
    fields = {"brand_color": "#0b6e4f", "text_color": "#ffffff", "launcher_position": "top-left"}
    saved = post_form(client, f"/console/workspaces/{workspace.id}/theme", token, **fields)
    assert saved.status_code == 303, saved.text
    last = _entries(database, workspace)[-1]
    assert (last.actor, last.action, last.subject) == (
        "editor@example.com",
        "settings_changed",
        "theme",
    )
    assert last.after["theme"]["brand_color"] == "#0b6e4f"
    text = re.sub(r"<[^>]+>", "", client.get(f"/console/workspaces/{workspace.id}/audit").text)
    assert "Theme · Brand colour" in text


def test_user_text_is_inert_on_the_audit_page(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    """Texts an editor or the API wrote (a step title, the workspace's name) are shown escaped
    in the audit log, never as markup."""
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    doc = tour_doc()
    put_draft(client, workspace, "tour", doc)
    doc["steps"][0]["title"] = evil
    put_draft(client, workspace, "tour", doc)
    renamed = client.patch("/api/v1/workspace", json={"name": evil}, headers=workspace.auth)
    assert renamed.is_success, renamed.text
    make_admin(database, "viewer@example.com", {workspace.id: "viewer"})
    sign_in(client, "viewer@example.com")
    page = client.get(f"/console/workspaces/{workspace.id}/audit").text
    assert "<img src=x" not in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
