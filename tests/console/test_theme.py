"""The theme page (console/theme.py) and its preview sandbox (console/theme_preview.py): who may
save, CSRF, field errors in the form, the WCAG AA warning and "save anyway", what the saved
theme does to widget sessions, the frame's headers, and that previewing stores nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from shirube.console.headers import HEADERS
from shirube.storage import Database, tables
from sqlalchemy import func, select
from starlette.testclient import TestClient

from tests.api.helpers import open_session
from tests.conftest import WorkspaceKeys
from tests.console.conftest import as_role, make_admin, sign_in

GOOD = {
    "brand_color": "#8a1c5c",
    "text_color": "#fffbe6",
    "font_family": "Georgia, serif",
    "corner_radius": "12",
    "launcher_position": "top-left",
    "launcher_label_ja": "はじめに",
    "launcher_label_en": "Get started",
}


def _path(workspace: WorkspaceKeys) -> str:
    return f"/console/workspaces/{workspace.id}/theme"


def _post(client: TestClient, workspace: WorkspaceKeys, token: str, **fields: str) -> Any:
    return client.post(
        _path(workspace), data={"csrf_token": token, **fields}, follow_redirects=False
    )


def _patch(client: TestClient, workspace: WorkspaceKeys, theme: dict[str, Any]) -> None:
    answer = client.patch("/api/v1/workspace", json={"theme": theme}, headers=workspace.auth)
    assert answer.status_code == 200, answer.text


def _theme(client: TestClient, workspace: WorkspaceKeys) -> dict[str, Any]:
    theme: dict[str, Any] = client.get("/api/v1/workspace", headers=workspace.auth).json()["theme"]
    return theme


def test_an_editor_saves_the_theme_and_widget_sessions_get_it(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    token = as_role(client, database, workspace.id, "editor")
    saved = _post(client, workspace, token, **GOOD)
    assert saved.status_code == 303 and saved.headers["location"].endswith("/theme?saved=1")
    assert _theme(client, workspace) == {
        "brand_color": "#8a1c5c",
        "text_color": "#fffbe6",
        "font_family": "Georgia, serif",
        "corner_radius": 12,
        "launcher_position": "top-left",
        "launcher_label": {"ja": "はじめに", "en": "Get started"},
    }
    page = client.get(saved.headers["location"])
    assert 'data-notice="saved"' in page.text
    # The form shows what is stored.
    assert 'value="#fffbe6"' in page.text and 'value="はじめに"' in page.text
    session = open_session(client, workspace, locale="ja")
    assert session["workspace"]["theme"]["launcher_label"] == "はじめに"

    # Automatic text colour and empty fields: left out of the stored theme.
    fields = {**GOOD, "text_color_auto": "on", "corner_radius": "", "launcher_label_en": ""}
    assert _post(client, workspace, token, **fields).status_code == 303
    theme = _theme(client, workspace)
    assert "text_color" not in theme and "corner_radius" not in theme
    assert theme["launcher_label"] == {"ja": "はじめに"}


def test_a_viewer_reads_the_page_but_cannot_save(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    _patch(client, workspace, {"brand_color": "#123456"})
    token = as_role(client, database, workspace.id, "viewer")
    page = client.get(_path(workspace))
    assert page.status_code == 200
    assert 'data-notice="read-only"' in page.text
    assert '<fieldset class="plain" disabled>' in page.text
    assert "Save the theme" not in page.text
    # The preview works for every role.
    assert 'id="theme-preview"' in page.text
    refused = _post(client, workspace, token, **GOOD)
    assert refused.status_code == 403
    assert _theme(client, workspace) == {"brand_color": "#123456"}


def test_saving_needs_the_csrf_token(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    as_role(client, database, workspace.id, "owner")
    assert _post(client, workspace, "not-the-token", **GOOD).status_code == 403
    no_token = client.post(_path(workspace), data=GOOD, follow_redirects=False)
    assert no_token.status_code == 403
    assert _theme(client, workspace) == {}


def test_an_admin_of_another_workspace_gets_404(
    client: TestClient,
    database: Database,
    workspace: WorkspaceKeys,
    other_workspace: WorkspaceKeys,
) -> None:
    make_admin(database, "other@example.com", {other_workspace.id: "owner"})
    sign_in(client, "other@example.com")
    assert client.get(_path(workspace)).status_code == 404
    assert client.get(_path(workspace) + "/preview").status_code == 404
    sandbox = client.post(_path(workspace) + "/preview/api/v1/widget/session", content=b"{}")
    assert sandbox.status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("corner_radius", "30", "less than or equal to 24"),
        ("corner_radius", "8px", "valid integer"),
        ("font_family", "x; } body { display: none", "should match pattern"),
        ("launcher_label_en", "A label that is far longer than thirty", "at most 30"),
        ("brand_color", "red", "should match pattern"),
        ("launcher_position", "middle", "bottom-right"),
    ],
)
def test_a_bad_field_is_named_in_the_form_and_nothing_is_saved(
    client: TestClient,
    database: Database,
    workspace: WorkspaceKeys,
    field: str,
    value: str,
    message: str,
) -> None:
    token = as_role(client, database, workspace.id, "editor")
    answer = _post(client, workspace, token, **{**GOOD, field: value})
    assert answer.status_code == 422
    assert 'data-notice="errors"' in answer.text
    error = re.search(
        rf'<p class="error field-error" id="{field}-error"[^>]*>(.*?)</p>', answer.text
    )
    assert error and message in error.group(1), answer.text
    assert 'aria-describedby="' in answer.text and 'aria-invalid="true"' in answer.text
    assert _theme(client, workspace) == {}


def test_low_contrast_needs_save_anyway(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    token = as_role(client, database, workspace.id, "editor")
    # White on yellow: 1.43:1.
    low = {**GOOD, "brand_color": "#ffd33d", "text_color": "#ffffff"}
    warned = _post(client, workspace, token, **low)
    assert warned.status_code == 409
    assert 'data-notice="confirm"' in warned.text
    assert "1.43:1 — below WCAG AA" in warned.text
    # The confirmation box is shown (not hidden) and keeps what was typed.
    assert re.search(r'<label class="check" id="save-anyway">', warned.text)
    assert 'value="#ffd33d"' in warned.text
    assert _theme(client, workspace) == {}

    saved = _post(client, workspace, token, **low, save_anyway="on")
    assert saved.status_code == 303
    assert _theme(client, workspace)["brand_color"] == "#ffd33d"

    # The automatic text colour on the same yellow passes: no question asked.
    auto = {**low, "text_color_auto": "on"}
    assert _post(client, workspace, token, **auto).status_code == 303
    page = client.get(_path(workspace)).text
    assert "passes WCAG AA" in page
    assert re.search(r'<label class="check" id="save-anyway" hidden>', page)


def test_japanese_labels(client: TestClient, database: Database, workspace: WorkspaceKeys) -> None:
    as_role(client, database, workspace.id, "editor")
    page = client.get(_path(workspace), headers={"Accept-Language": "ja,en;q=0.5"}).text
    assert "ブランドカラー" in page and "ランチャーのラベル" in page and "テーマを保存" in page
    assert '<html lang="ja">' in page
    link = client.get(f"/console/workspaces/{workspace.id}", headers={"Accept-Language": "ja"})
    assert f'href="/console/workspaces/{workspace.id}/theme" data-link="theme"' in link.text
    assert "ウィジェットの色" in link.text


def test_user_text_is_inert_in_the_form(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    _patch(client, workspace, {"launcher_label": {"en": '"><script>alert(1)</script>'}})
    as_role(client, database, workspace.id, "viewer")
    page = client.get(_path(workspace)).text
    assert "<script>alert(1)" not in page
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_preview_frame_is_framed_by_our_origin_only(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    as_role(client, database, workspace.id, "viewer")
    frame = client.get(_path(workspace) + "/preview")
    assert frame.status_code == 200
    assert frame.headers["x-frame-options"] == "SAMEORIGIN"
    csp = frame.headers["content-security-policy"]
    assert csp == HEADERS["Content-Security-Policy"].replace(
        "frame-ancestors 'none'", "frame-ancestors 'self'"
    )
    assert '<script src="/widget/shirube.js" data-key="preview"' in frame.text
    assert f'data-server="/console/workspaces/{workspace.id}/theme/preview"' in frame.text
    # Every other page keeps the strict policy, the theme page included (it frames, is not framed).
    page = client.get(_path(workspace))
    assert page.headers["content-security-policy"] == HEADERS["Content-Security-Policy"]
    assert page.headers["x-frame-options"] == "DENY"


def _count(database: Database, table: Any) -> int:
    count: int = database.run_sync(
        lambda conn: conn.scalar(select(func.count()).select_from(table))
    )
    return count


def test_the_sandbox_answers_sample_content_in_the_theme_and_stores_nothing(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    as_role(client, database, workspace.id, "viewer")
    base = _path(workspace) + "/preview/api/v1/widget"
    users, events = _count(database, tables.end_user), _count(database, tables.event)
    body = {
        "public_key": "preview",
        "user_id": "theme-preview",
        "locale": "ja-JP",
        "traits": {**GOOD, "font_family": "x;}", "step": "modal"},
    }
    answer = client.post(base + "/session", json=body)
    assert answer.status_code == 200
    session = answer.json()
    theme = session["workspace"]["theme"]
    # The bad font is dropped, the rest is the form's, the label in the user's language.
    assert theme == {
        "brand_color": "#8a1c5c",
        "text_color": "#fffbe6",
        "corner_radius": 12,
        "launcher_position": "top-left",
        "launcher_label": "はじめに",
    }
    (tour,) = session["tours"]
    assert [s["kind"] for s in tour["steps"]] == ["tooltip", "modal"]
    assert tour["progress"] == {"status": "in_progress", "current_step": "modal"}
    assert tour["steps"][0]["title"] == "チームを追加"
    (checklist,) = session["checklists"]
    assert checklist["progress"]["completed"] == 1 and len(checklist["items"]) == 3

    acked = client.post(
        base + "/events",
        content=b'{"token":"preview","events":[{"id":"a","name":"$page_viewed"}]}',
        headers={"Content-Type": "text/plain"},
    )
    assert acked.json() == {"received": 1, "accepted": 1, "duplicates": 0, "completed_items": []}
    assert (_count(database, tables.end_user), _count(database, tables.event)) == (users, events)
    assert client.post(base + "/session", content=b"not json").status_code == 400


def test_the_sandbox_needs_a_signed_in_admin(client: TestClient, workspace: WorkspaceKeys) -> None:
    answer = client.post(
        _path(workspace) + "/preview/api/v1/widget/session", json={}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login"
    assert client.get(_path(workspace), follow_redirects=False).status_code == 303


def test_a_radius_of_thousands_of_digits_is_a_field_error_not_a_500(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    """int() refuses strings past 4,300 digits (ValueError): the form names the field, the
    sandbox drops it."""
    token = as_role(client, database, workspace.id, "editor")
    huge = "9" * 5000
    answer = _post(client, workspace, token, **{**GOOD, "corner_radius": huge})
    assert answer.status_code == 422
    assert 'id="corner_radius-error"' in answer.text
    assert _theme(client, workspace) == {}
    body = {"user_id": "theme-preview", "traits": {**GOOD, "corner_radius": huge}}
    preview = client.post(_path(workspace) + "/preview/api/v1/widget/session", json=body)
    assert preview.status_code == 200
    assert "corner_radius" not in preview.json()["workspace"]["theme"]


def test_the_sandbox_refuses_deeply_nested_json_with_a_400(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    """json.loads raises RecursionError (not ValueError) past ~1,000 levels: a 16 KB body of
    brackets must be refused like any other bad body, on both sandbox calls."""
    as_role(client, database, workspace.id, "viewer")
    base = _path(workspace) + "/preview/api/v1/widget"
    deep = b"[" * 10_000
    assert client.post(base + "/session", content=deep).status_code == 400
    assert client.post(base + "/events", content=b'{"events":' + deep).status_code == 200
