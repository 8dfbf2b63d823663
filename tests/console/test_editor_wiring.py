"""The content editor wired to the rest of #14, on both engines: its saves name the signed-in
admin in the audit log (not the API key), the tour page carries the builder's "Open in my app"
form, steps the builder recorded with object targets survive the form unchanged."""

from __future__ import annotations

from typing import Any

from shirube.services import audit
from shirube.storage import Database
from starlette.testclient import TestClient

from tests.conftest import ORIGIN, WorkspaceKeys
from tests.console.conftest import CSRF, make_admin, sign_in
from tests.console.editor_forms import form_fields

EDITOR = "wired-editor@example.com"
AUTOSAVE = {"X-Shirube-Autosave": "1"}


def _signed_in(client: TestClient, database: Database, workspace: WorkspaceKeys) -> str:
    make_admin(database, EDITOR, {workspace.id: "editor"})
    assert sign_in(client, EDITOR).status_code == 303
    return f"/console/workspaces/{workspace.id}"


def _token(client: TestClient, path: str) -> str:
    found = CSRF.search(client.get(path).text)
    assert found is not None
    return found.group(1)


def _fields(client: TestClient, path: str) -> dict[str, str]:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return form_fields(page.text)


def _actors(database: Database, workspace: WorkspaceKeys) -> list[tuple[str, str, str]]:
    page = database.run_sync(lambda conn: audit.entries(conn, workspace.id, limit=100))
    content = [e for e in reversed(page.entries) if e.subject_kind in ("tour", "checklist")]
    return [(e.actor, e.action, e.subject) for e in content]


def test_editor_saves_name_the_admin_in_the_audit_log(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    base = _signed_in(client, database, workspace)
    token = _token(client, f"{base}/tours/new")
    data = {"csrf_token": token, "key": "welcome", "name": "Welcome"}
    assert client.post(f"{base}/tours/new", data=data, follow_redirects=False).status_code == 303
    fields = _fields(client, f"{base}/tours/welcome")
    fields["name"] = "Autosaved"
    saved = client.post(f"{base}/tours/welcome", data=fields, headers=AUTOSAVE)
    assert saved.status_code == 200 and saved.json()["saved"] is True
    fields = _fields(client, f"{base}/tours/welcome")
    fields["name"] = "Form saved"
    posted = client.post(f"{base}/tours/welcome", data=fields, follow_redirects=False)
    assert posted.status_code == 303
    # Another tour, saved and deleted from the console.
    data = {"csrf_token": token, "key": "gone", "name": "Gone"}
    assert client.post(f"{base}/tours/new", data=data, follow_redirects=False).status_code == 303
    deleted = client.post(
        f"{base}/tours/gone/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert deleted.status_code == 303
    found = _actors(database, workspace)
    # Autosave and form save of one draft by one admin make one entry (audit.COALESCE_DRAFTS).
    assert found == [
        (EDITOR, "created", "welcome"),
        (EDITOR, "draft_saved", "welcome"),
        (EDITOR, "created", "gone"),
        (EDITOR, "deleted", "gone"),
    ]
    entry = database.run_sync(lambda conn: audit.entries(conn, workspace.id, limit=3)).entries[2]
    assert entry.after["name"] == "Form saved" and entry.before["name"] == "Welcome"
    assert entry.actor_admin_id is not None
    assert all(actor != "api key" for actor, *_ in found)


def _robust(css: str) -> dict[str, Any]:
    return {
        "css": css,
        "fallbacks": [
            {"by": "testid", "css": '[data-testid="export"]'},
            {"by": "aria", "css": 'button[aria-label="Export"]'},
        ],
        "text": "Export",
    }


def test_object_targets_round_trip_through_the_form(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    base = _signed_in(client, database, workspace)
    doc = {
        "key": "built",
        "name": "Built in the app",
        "trigger": {"type": "manual"},
        "steps": [
            {"id": "a", "kind": "tooltip", "target": _robust("#export"), "title": {"en": "A"}},
            {"id": "b", "kind": "hotspot", "target": "#plain", "title": "B", "page": "/x/*"},
            {
                "id": "c",
                "kind": "tooltip",
                "target": _robust('[aria-label="Don\'t"]'),
                "title": "C",
            },
        ],
    }
    answer = client.put("/api/v1/tours/built", json=doc, headers=workspace.auth)
    assert answer.status_code == 201, answer.text
    before = client.get("/api/v1/tours/built", headers=workspace.auth).json()
    page = client.get(f"{base}/tours/built")
    assert page.text.count('data-part="target-recorded"') == 2
    assert "Recorded by the builder: 2 fallbacks" in page.text
    fields = form_fields(page.text)
    assert fields["steps.0.target"] == "#export"
    saved = client.post(f"{base}/tours/built", data=fields, headers=AUTOSAVE)
    assert saved.status_code == 200, saved.text
    after = client.get("/api/v1/tours/built", headers=workspace.auth).json()
    assert after["draft"] == before["draft"]
    # Duplicated, the row keeps its recorded target.
    fields = _fields(client, f"{base}/tours/built")
    fields["op"] = "dup:0"
    assert (
        client.post(f"{base}/tours/built", data=fields, follow_redirects=False).status_code == 303
    )
    steps = client.get("/api/v1/tours/built", headers=workspace.auth).json()["draft"]["steps"]
    assert steps[1]["target"] == steps[0]["target"] == before["draft"]["steps"][0]["target"]
    # An edited selector keeps the fallbacks and text; a cleared one drops the whole target.
    fields = _fields(client, f"{base}/tours/built")
    fields["steps.0.target"] = "#export-new"
    fields["steps.1.target"] = ""
    fields["steps.1.kind"] = "modal"
    saved = client.post(f"{base}/tours/built", data=fields, headers=AUTOSAVE)
    assert saved.status_code == 200, saved.text
    steps = client.get("/api/v1/tours/built", headers=workspace.auth).json()["draft"]["steps"]
    assert steps[0]["target"] == {**_robust("#export"), "css": "#export-new"}
    assert "target" not in steps[1]
    # A tampered recorded target is validated as any target, its error next to the field.
    fields = _fields(client, f"{base}/tours/built")
    fields["steps.0.target_recorded"] = '{"fallbacks": [{"by": "nonsense", "css": "x"}]}'
    refused = client.post(f"{base}/tours/built", data=fields, headers=AUTOSAVE)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "steps.0.target"


def test_the_tour_editor_opens_the_builder(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    base = _signed_in(client, database, workspace)
    token = _token(client, f"{base}/tours/new")
    data = {"csrf_token": token, "key": "welcome", "name": "Welcome"}
    assert client.post(f"{base}/tours/new", data=data, follow_redirects=False).status_code == 303
    page = client.get(f"{base}/tours/welcome")
    # Its own form, after the editor's (a form inside a form would post the editor's fields).
    editor_end = page.text.index("</form>")
    opener = page.text.index('data-form="open-in-app"')
    assert opener > editor_end
    assert "form-action 'self' " + ORIGIN in page.headers["content-security-policy"]
    assert not any(name in ("origin", "path") for name in form_fields(page.text))
    fields = {"csrf_token": token, "origin": ORIGIN, "path": "/employees"}
    opened = client.post(f"{base}/tours/welcome/open-in-app", data=fields, follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"].startswith(ORIGIN + "/employees#shirube-edit=")
    # The checklist editor has no builder.
    token_page = client.get(f"{base}/checklists/new")
    assert token_page.status_code == 200 and "open-in-app" not in token_page.text
