"""The first pages an admin meets (sign-in, workspaces, errors) speak English and Japanese."""

from __future__ import annotations

from shirube.console.page_labels import ERROR_MESSAGES, PAGES, UNHANDLED
from shirube.storage import Database
from starlette.testclient import TestClient

from tests.conftest import WorkspaceKeys
from tests.console.conftest import make_admin, sign_in

JA = {"Accept-Language": "ja,en;q=0.5"}


def test_both_languages_have_the_same_words() -> None:
    assert PAGES["en"].keys() == PAGES["ja"].keys()
    assert ERROR_MESSAGES["en"].keys() == ERROR_MESSAGES["ja"].keys()
    assert UNHANDLED.keys() == PAGES.keys()


def test_sign_in_workspaces_and_errors_in_japanese(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    login = client.get("/console/login", headers=JA)
    assert "<h1>ログイン</h1>" in login.text and "メールアドレス" in login.text
    make_admin(database, "editor@example.com", {workspace.id: "editor"})
    sign_in(client, "editor@example.com")
    home = client.get("/console/", headers=JA)
    assert "<h1>ワークスペース</h1>" in home.text and ">編集者</td>" in home.text
    missing = client.get("/console/workspaces/999999", headers=JA)
    assert missing.status_code == 404 and "見つかりません。" in missing.text
    assert "コンソールに戻る" in missing.text


def test_english_by_default(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    assert "<h1>Sign in</h1>" in client.get("/console/login").text
    make_admin(database, "viewer@example.com", {workspace.id: "viewer"})
    sign_in(client, "viewer@example.com")
    home = client.get("/console/")
    assert "<h1>Workspaces</h1>" in home.text and ">viewer</td>" in home.text
    assert "Not found." in client.get("/console/workspaces/999999").text
