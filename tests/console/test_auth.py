"""Signing in and out: one message for every failed sign-in, CSRF on every form, a fresh
session at sign-in, cookies only on /console."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from shirube.app import create_app
from shirube.console import auth
from shirube.security.passwords import hash_password
from shirube.settings import Settings, SettingsError, load_settings
from shirube.storage import Database, tables
from sqlalchemy import update
from starlette.testclient import TestClient

from tests.conftest import WorkspaceKeys
from tests.console.conftest import PASSWORD, csrf_from, make_admin, sign_in


def test_sign_in_lists_the_admins_workspaces_with_their_roles(
    client: TestClient, database: Database, workspace: WorkspaceKeys, other_workspace: WorkspaceKeys
) -> None:
    make_admin(database, "Ops@Example.com", {workspace.id: "viewer"})
    answer = sign_in(client, "  ops@example.COM ")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/"
    page = client.get("/console/")
    assert page.status_code == 200
    assert "Kintai Cloud" in page.text and "viewer" in page.text
    assert f"/console/workspaces/{workspace.id}" in page.text
    assert "Other product" not in page.text
    assert "ops@example.com" in page.text


def test_console_without_a_session_redirects_to_the_sign_in_page(client: TestClient) -> None:
    for path in ("/console/", f"/console/workspaces/{1}"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/login"
    # The bare path goes to the console's home (and from there to the sign-in page).
    assert client.get("/console").url.path == "/console/login"


def test_unknown_email_and_wrong_password_get_the_same_answer(
    client: TestClient, database: Database, password_checks: list[tuple[str, str]]
) -> None:
    make_admin(database, "ops@example.com")
    wrong = sign_in(client, "ops@example.com", "not the password")
    unknown = sign_in(client, "nobody@example.com", PASSWORD)
    assert wrong.status_code == unknown.status_code == 400
    for answer in (wrong, unknown):
        assert auth.INVALID_LOGIN in answer.text
        assert "set-cookie" not in answer.headers or "admin" not in answer.headers["set-cookie"]
    # The password is checked (against a decoy hash) even when the email is unknown.
    assert len(password_checks) == 2 and password_checks[0][1] != password_checks[1][1]
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_forms_without_the_right_csrf_token_are_refused(
    client: TestClient, database: Database
) -> None:
    make_admin(database, "ops@example.com")
    csrf_from(client)  # the session now holds a token
    for data in (
        {"email": "ops@example.com", "password": PASSWORD},
        {"email": "ops@example.com", "password": PASSWORD, "csrf_token": "forged"},
    ):
        answer = client.post("/console/login", data=data, follow_redirects=False)
        assert answer.status_code == 403
        assert "text/html" in answer.headers["content-type"]
    assert client.get("/console/", follow_redirects=False).status_code == 303

    assert sign_in(client, "ops@example.com").status_code == 303
    refused = client.post("/console/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/console/").status_code == 200  # still signed in


def test_a_token_from_before_sign_in_is_worthless_after_it(
    client: TestClient, database: Database
) -> None:
    make_admin(database, "ops@example.com")
    before = csrf_from(client)
    assert sign_in(client, "ops@example.com").status_code == 303
    after = csrf_from(client, "/console/")
    assert after != before
    answer = client.post("/console/logout", data={"csrf_token": before}, follow_redirects=False)
    assert answer.status_code == 403


def test_sign_out_ends_the_session(client: TestClient, database: Database) -> None:
    make_admin(database, "ops@example.com")
    sign_in(client, "ops@example.com")
    token = csrf_from(client, "/console/")
    answer = client.post("/console/logout", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login"
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_a_cookie_copied_before_sign_out_no_longer_opens_the_console(
    client: TestClient, database: Database
) -> None:
    make_admin(database, "ops@example.com")
    sign_in(client, "ops@example.com")
    copied = client.cookies.get("shirube_console")
    assert copied and client.get("/console/").status_code == 200
    token = csrf_from(client, "/console/")
    client.post("/console/logout", data={"csrf_token": token}, follow_redirects=False)
    client.cookies.set("shirube_console", copied, path="/console")
    assert client.get("/console/", follow_redirects=False).status_code == 303
    # Signing in again works, with a new session.
    sign_in(client, "ops@example.com")
    assert client.get("/console/").status_code == 200


def test_a_password_change_ends_existing_sessions(client: TestClient, database: Database) -> None:
    admin_id = make_admin(database, "ops@example.com")
    sign_in(client, "ops@example.com")
    assert client.get("/console/").status_code == 200

    change = (
        update(tables.admin)
        .where(tables.admin.c.id == admin_id)
        .values(password_hash=hash_password("a new password"))
    )
    database.run_sync(lambda conn: conn.run(change))
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_session_cookie_flags(client: TestClient, database: Database) -> None:
    make_admin(database, "ops@example.com")
    answer = sign_in(client, "ops@example.com")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("shirube_console=")
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "path=/console" in flags and "httponly" in flags and "samesite=lax" in flags
    assert "max-age=43200" in flags
    assert "secure" not in flags  # plain http, setting off


def _flags(answer: Any) -> list[str]:
    return [part.strip().lower() for part in answer.headers["set-cookie"].split(";")]


def test_cookie_is_secure_on_https_or_when_the_setting_says_so(
    app: Any, settings: Settings, database: Database
) -> None:
    with TestClient(app, base_url="https://testserver") as https:
        assert "secure" in _flags(https.get("/console/login"))
    always = replace(settings, console_secure_cookie=True)
    secure_app = create_app(always, database)
    with TestClient(secure_app) as plain_http:
        assert "secure" in _flags(plain_http.get("/console/login"))


def test_the_secure_cookie_setting_is_read_from_the_environment(tmp_path: Path) -> None:
    env = {"SHIRUBE_SECRET_KEY": "k" * 40}
    assert not load_settings(env, tmp_path).console_secure_cookie
    assert load_settings(
        {**env, "SHIRUBE_CONSOLE_SECURE_COOKIE": "true"}, tmp_path
    ).console_secure_cookie
    with pytest.raises(SettingsError, match="SHIRUBE_CONSOLE_SECURE_COOKIE must be true or false"):
        load_settings({**env, "SHIRUBE_CONSOLE_SECURE_COOKIE": "maybe"}, tmp_path)


def test_api_and_widget_paths_get_no_cookie(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    make_admin(database, "ops@example.com", {workspace.id: "owner"})
    sign_in(client, "ops@example.com")
    assert "shirube_console" in client.cookies
    for path, headers in (
        ("/healthz", {}),
        ("/api/v1/workspace", workspace.auth),
        ("/api/v1/openapi.json", {}),
        ("/widget/shirube.js", {}),
    ):
        request = client.build_request("GET", path, headers=headers)
        assert "cookie" not in request.headers, path  # the cookie's path is /console
        answer = client.send(request)
        assert "set-cookie" not in answer.headers, path
        assert "content-security-policy" not in answer.headers, path


def test_an_email_with_a_nul_character_is_just_a_wrong_login(
    client: TestClient, database: Database
) -> None:
    make_admin(database, "ops@example.com")
    answer = sign_in(client, "ops@example.com\x00")
    assert answer.status_code == 400
    assert auth.INVALID_LOGIN in answer.text
