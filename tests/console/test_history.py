"""Version history in the console: publish, unpublish and roll back through the forms, the
readable diff between versions and the draft, refusals shown on the page, CSRF, inert text."""

from __future__ import annotations

import re
from typing import Any

from shirube.console.field_labels import ACTIONS, FIELDS, SUBJECTS
from shirube.console.history_labels import HISTORY
from shirube.storage import Database
from shirube.storage.tables import content_item
from sqlalchemy import delete
from starlette.testclient import TestClient

from tests.api.helpers import checklist_doc, put_draft, tour_doc, tour_item
from tests.conftest import WorkspaceKeys
from tests.console.conftest import as_role, make_admin, post_form, sign_in


def _api_versions(client: TestClient, ws: WorkspaceKeys, key: str) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/tours/{key}/versions", headers=ws.auth)
    versions: list[dict[str, Any]] = answer.json()["data"]
    return versions


def _published_version(client: TestClient, ws: WorkspaceKeys, key: str) -> int | None:
    version: int | None = client.get(f"/api/v1/tours/{key}", headers=ws.auth).json()[
        "published_version"
    ]
    return version


def test_publish_diff_rollback_and_unpublish_through_the_console(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    token = as_role(client, database, workspace.id, "editor")
    base = f"/console/workspaces/{workspace.id}/tours/welcome"
    put_draft(client, workspace, "tour", tour_doc())
    page = client.get(base + "/versions")
    assert page.status_code == 200
    assert 'data-state="unpublished"' in page.text and 'data-draft="changed"' in page.text

    published = post_form(client, base + "/publish", token)
    assert published.status_code == 303 and published.headers["location"] == base + "/versions"
    changed = tour_doc(steps=("s2", "s1", "s3"))
    changed["steps"][2]["title"] = {"en": "Last", "ja": "最後"}
    put_draft(client, workspace, "tour", changed)
    assert post_form(client, base + "/publish", token).status_code == 303
    assert [v["version"] for v in _api_versions(client, workspace, "welcome")] == [2, 1]

    diff = client.get(base + "/diff?from=1&to=2")
    assert diff.status_code == 200
    lines = re.findall(r'<li data-op="(\w+)">(.*?)</li>', diff.text, re.S)
    text = [(op, re.sub(r"<[^>]+>", "", body)) for op, body in lines]
    # Steps matched by id: a swap is one move, not every field of both steps changed.
    assert ("moved", "Step 2 ‘s1’ — moved from position 1 to 2") in text
    assert ("changed", "Step 3 ‘s3’ · Title: “Step s3” → “en: Last; ja: 最後”") in text
    assert len(text) == 2

    page = client.get(base + "/versions")
    assert 'data-version="2" data-live="true"' in page.text
    back = post_form(client, base + "/rollback", token, version="1")
    assert back.status_code == 303
    versions = _api_versions(client, workspace, "welcome")
    assert versions[0] == {**versions[0], "version": 3, "restored_from": 1, "live": True}
    assert client.get(base + "/diff?from=1&to=3").text.count('data-empty="diff"') == 1

    assert post_form(client, base + "/unpublish", token).status_code == 303
    page = client.get(base + "/versions")
    assert 'data-state="unpublished"' in page.text
    assert _published_version(client, workspace, "welcome") is None


def test_the_default_diff_is_live_against_draft_in_japanese(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    token = as_role(client, database, workspace.id, "editor")
    base = f"/console/workspaces/{workspace.id}/tours/welcome"
    put_draft(client, workspace, "tour", tour_doc())
    post_form(client, base + "/publish", token)
    changed = tour_doc(steps=("s1", "s2", "s3", "s4"))
    changed["steps"][0]["title"] = {"ja": "ようこそ"}
    put_draft(client, workspace, "tour", changed)
    page = client.get(base + "/diff", headers={"Accept-Language": "ja,en;q=0.5"})
    text = re.sub(r"<[^>]+>", "", page.text)
    assert "v1 → 下書き" in text
    assert "ステップ 1(s1) · タイトル: 「Step s1」 → 「ja: ようこそ」" in text
    assert "ステップ 4(s4) — 追加" in text


def test_refusals_show_on_the_page_not_as_500(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    token = as_role(client, database, workspace.id, "editor")
    ws = workspace.id
    put_draft(client, workspace, "tour", tour_doc("intro"))
    put_draft(client, workspace, "checklist", checklist_doc(items=[tour_item("t", "intro")]))
    tours, checklists = f"/console/workspaces/{ws}/tours", f"/console/workspaces/{ws}/checklists"
    assert post_form(client, tours + "/intro/publish", token).status_code == 303
    assert post_form(client, checklists + "/setup/publish", token).status_code == 303
    # A tour a published checklist starts cannot be unpublished.
    refused = post_form(client, tours + "/intro/unpublish", token)
    assert refused.status_code == 409
    assert 'role="alert"' in refused.text and "checklist setup" in refused.text
    for version in ("0", "x", "99", ""):
        answer = post_form(client, tours + "/intro/rollback", token, version=version)
        assert answer.status_code in (404, 422), version
        assert 'role="alert"' in answer.text
    for query in ("from=abc", "to=-1", "from=1&to=99999999999"):
        assert client.get(tours + "/intro/diff?" + query).status_code in (400, 404)
    assert client.get(tours + "/nope/versions").status_code == 404
    assert client.get(f"/console/workspaces/{ws}/resource_centers/x/versions").status_code == 404


def test_publish_of_a_draft_that_no_longer_validates_is_a_message(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    token = as_role(client, database, workspace.id, "editor")
    put_draft(client, workspace, "tour", tour_doc("intro"))
    put_draft(client, workspace, "checklist", checklist_doc(items=[tour_item("t", "intro")]))
    # The tour goes from under the draft (raw delete: the API refuses while it is referred to).
    gone = delete(content_item).where(content_item.c.key == "intro")
    database.run_sync(lambda conn: conn.run(gone))
    base = f"/console/workspaces/{workspace.id}/checklists/setup"
    answer = post_form(client, base + "/publish", token)
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text and "intro" in answer.text


def test_csrf_and_viewers_are_refused(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    put_draft(client, workspace, "tour", tour_doc())
    base = f"/console/workspaces/{workspace.id}/tours/welcome"
    token = as_role(client, database, workspace.id, "viewer")
    page = client.get(base + "/versions")
    assert page.status_code == 200 and 'data-action="publish"' not in page.text
    assert post_form(client, base + "/publish", token).status_code == 403
    editor = TestClient(client.app)
    make_admin(database, "ed@example.com", {workspace.id: "editor"})
    sign_in(editor, "ed@example.com")
    for path in ("/publish", "/unpublish", "/rollback"):
        missing = editor.post(base + path, data={"version": "1"}, follow_redirects=False)
        wrong = editor.post(base + path, data={"csrf_token": "x", "version": "1"})
        assert missing.status_code == wrong.status_code == 403
    assert _published_version(client, workspace, "welcome") is None


def test_user_text_is_inert_in_the_diff(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    token = as_role(client, database, workspace.id, "editor")
    base = f"/console/workspaces/{workspace.id}/tours/welcome"
    put_draft(client, workspace, "tour", tour_doc())
    post_form(client, base + "/publish", token)
    evil = tour_doc()
    evil["steps"][0]["title"] = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    put_draft(client, workspace, "tour", evil)
    post_form(client, base + "/publish", token)
    for path in (base + "/diff?from=1&to=2", f"/console/workspaces/{workspace.id}/audit"):
        page = client.get(path).text
        assert "<img src=x" not in page and "<script>alert" not in page
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page


def test_every_label_has_both_languages() -> None:
    for table in (HISTORY, FIELDS, ACTIONS, SUBJECTS):
        assert table["en"].keys() == table["ja"].keys()
        assert all(table["ja"].values()) and all(table["en"].values())


def test_a_goal_has_its_history_too(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    token = as_role(client, database, workspace.id, "editor")
    goal = {
        "key": "g",
        "name": "G",
        "rules": [{"id": "a", "rule": {"type": "event", "event": "x"}}],
    }
    client.put("/api/v1/goals/g", json=goal, headers=workspace.auth)
    base = f"/console/workspaces/{workspace.id}/goals/g"
    assert post_form(client, base + "/publish", token).status_code == 303
    goal["rules"][0]["rule"]["event"] = "y"
    client.put("/api/v1/goals/g", json=goal, headers=workspace.auth)
    text = re.sub(r"<[^>]+>", "", client.get(base + "/diff").text)
    assert "Rule 1 ‘a’ · Rule · Event: “x” → “y”" in text
    page = client.get(f"/console/workspaces/{workspace.id}", headers={"Accept-Language": "ja"})
    assert f'href="{base}/versions" data-link="versions">バージョンと差分<' in page.text
