"""Workspace settings, identity-secret rotation, identity coverage and health."""

from __future__ import annotations

from tests.api.helpers import assert_error, identity_token, post_session

ORIGIN = "https://app.example.com"


def test_get_never_shows_secrets(client, workspace):
    body = client.get("/api/v1/workspace", headers=workspace.auth).json()
    assert body["public_key"] == workspace.public_key
    text = str(body)
    assert workspace.secret_key not in text and workspace.identity_secret not in text
    assert body["secret_key_hint"].endswith(workspace.secret_key[-4:])


def test_patch_validates_and_applies(client, workspace):
    response = client.patch(
        "/api/v1/workspace",
        json={
            "allowed_origins": ["https://APP.example.com", "http://localhost:8001"],
            "identity_mode": "observe",
            "default_locale": "ja",
            "theme": {"brand_color": "#0055cc", "launcher_position": "bottom-left"},
        },
        headers=workspace.auth,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["allowed_origins"] == ["http://localhost:8001", "https://app.example.com"]
    assert body["identity_mode"] == "observe" and body["default_locale"] == "ja"
    session = post_session(client, workspace.public_key, origin="http://localhost:8001").json()
    assert session["workspace"]["theme"] == {
        "brand_color": "#0055cc",
        "launcher_position": "bottom-left",
    }
    for bad, path in [
        ({"allowed_origins": ["https://a.example.com/path"]}, "allowed_origins[0]"),
        ({"allowed_origins": ["ftp://a"]}, "allowed_origins[0]"),
        ({"identity_mode": "strict"}, "identity_mode"),
        ({"theme": {"brand_color": "red"}}, "theme.brand_color"),
        ({"theme": {"font_family": "x; } body { display:none"}}, "theme.font_family"),
        ({"secret_key_hash": "x"}, "secret_key_hash"),
    ]:
        assert_error(
            client.patch("/api/v1/workspace", json=bad, headers=workspace.auth),
            422,
            "validation_error",
            [path],
        )


FULL_THEME = {
    "brand_color": "#8a1c5c",
    "text_color": "#fffbe6",
    "font_family": "Georgia, serif",
    "corner_radius": 12,
    "launcher_position": "top-left",
    "launcher_label": {"ja": "はじめに", "en": "Get started"},
}


def test_theme_text_colour_radius_and_label_are_stored_and_sent_localized(client, workspace):
    response = client.patch(
        "/api/v1/workspace",
        json={"allowed_origins": [ORIGIN], "theme": FULL_THEME},
        headers=workspace.auth,
    )
    assert response.status_code == 200, response.text
    assert response.json()["theme"] == FULL_THEME
    # The session answer carries the label in the user's language only, like content texts.
    for locale, label in [("ja-JP", "はじめに"), ("en-US", "Get started"), ("fr", "Get started")]:
        theme = post_session(client, workspace.public_key, origin=ORIGIN, locale=locale).json()[
            "workspace"
        ]["theme"]
        assert theme == {**FULL_THEME, "launcher_label": label}, locale
    # One language only: every user gets it.
    client.patch(
        "/api/v1/workspace",
        json={"theme": {"launcher_label": {"ja": "ガイド"}}},
        headers=workspace.auth,
    )
    theme = post_session(client, workspace.public_key, origin=ORIGIN, locale="en").json()[
        "workspace"
    ]["theme"]
    assert theme == {"launcher_label": "ガイド"}


def test_theme_new_fields_are_validated_by_name(client, workspace):
    for bad, path in [
        ({"text_color": "white"}, "theme.text_color"),
        ({"text_color": "#fff"}, "theme.text_color"),
        ({"corner_radius": -1}, "theme.corner_radius"),
        ({"corner_radius": 25}, "theme.corner_radius"),
        ({"corner_radius": "8px"}, "theme.corner_radius"),
        ({"corner_radius": 8.5}, "theme.corner_radius"),
        ({"launcher_label": "Help"}, "theme.launcher_label"),
        ({"launcher_label": {}}, "theme.launcher_label"),
        ({"launcher_label": {"fr": "Aide"}}, "theme.launcher_label.fr"),
        ({"launcher_label": {"en": "x" * 31}}, "theme.launcher_label.en"),
        ({"launcher_label": {"en": "   "}}, "theme.launcher_label.en"),
        ({"launcher_label": {"ja": "二行\nの文字"}}, "theme.launcher_label.ja"),
        ({"launcher_label": {"en": "Help\u202e"}}, "theme.launcher_label.en"),
    ]:
        assert_error(
            client.patch("/api/v1/workspace", json={"theme": bad}, headers=workspace.auth),
            422,
            "validation_error",
            [path],
        )
    # Markup is only text (the widget sets it with textContent): accepted as typed.
    ok = client.patch(
        "/api/v1/workspace",
        json={"theme": {"launcher_label": {"en": "<b>Help</b>"}, "corner_radius": 0}},
        headers=workspace.auth,
    )
    assert ok.status_code == 200 and ok.json()["theme"]["launcher_label"] == {"en": "<b>Help</b>"}


def test_rotation_keeps_the_previous_secret_until_finished(client, workspace):
    client.patch("/api/v1/workspace", json={"identity_mode": "enforce"}, headers=workspace.auth)
    old_token = identity_token(workspace.identity_secret, "u1")
    rotated = client.post("/api/v1/workspace/identity-secret/rotate", headers=workspace.auth).json()
    new_secret = rotated["identity_secret"]
    assert new_secret != workspace.identity_secret
    assert post_session(client, workspace.public_key, identity_token=old_token).status_code == 200
    assert (
        post_session(
            client, workspace.public_key, identity_token=identity_token(new_secret)
        ).status_code
        == 200
    )
    client.post("/api/v1/workspace/identity-secret/rotate?finish=true", headers=workspace.auth)
    assert_error(
        post_session(client, workspace.public_key, identity_token=old_token),
        401,
        "identity_required",
    )
    assert (
        post_session(
            client, workspace.public_key, identity_token=identity_token(new_secret)
        ).status_code
        == 200
    )


def test_identity_stats_report_coverage(client, workspace):
    client.patch("/api/v1/workspace", json={"identity_mode": "observe"}, headers=workspace.auth)
    post_session(
        client,
        workspace.public_key,
        "u1",
        identity_token=identity_token(workspace.identity_secret, "u1"),
    )
    post_session(client, workspace.public_key, "u2")
    post_session(client, workspace.public_key, "u3", identity_token="garbage")
    post_session(
        client,
        workspace.public_key,
        "u4",
        identity_token=identity_token(workspace.identity_secret, "u4"),
    )
    stats = client.get("/api/v1/workspace/identity-stats?days=7", headers=workspace.auth).json()
    assert stats["identity_mode"] == "observe"
    assert [(d["signed"], d["unsigned"], d["invalid"]) for d in stats["days"]] == [(2, 1, 1)]
    assert stats["coverage"] == 0.5
    assert_error(
        client.get("/api/v1/workspace/identity-stats?days=0", headers=workspace.auth),
        400,
        "bad_request",
    )


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json()["status"] == "ok"
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["database"] is True


def test_the_openapi_document_describes_the_theme_fields(client):
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    theme = schemas["Theme"]["properties"]
    assert {"text_color", "corner_radius", "launcher_label"} <= set(theme)
    label = schemas["LauncherLabel"]["properties"]
    assert set(label) == {"ja", "en"}
