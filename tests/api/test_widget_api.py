"""Widget API: origin checks and CORS, public key and session token, the session answer
(locale, audience targeting, progress) and widget events."""

from __future__ import annotations

import dataclasses
import time
import warnings

import jwt
from shirube.app import create_app
from shirube.security.widget_tokens import WidgetIdentity, issue_widget_token
from shirube.storage import tables
from starlette.testclient import TestClient

from tests.api.helpers import (
    assert_error,
    by_key,
    checklist_doc,
    count,
    event_item,
    keys,
    open_session,
    post_session,
    post_widget_events,
    publish,
    rows,
    tour_doc,
    update_workspace,
    wev,
    widget_send,
)
from tests.conftest import ORIGIN, SECRET, make_workspace

EVIL = "https://evil.example.net"
TITLE = {"en": "Welcome", "ja": "ようこそ", "pt-BR": "Bem-vindo"}


# Origin and CORS ----------------------------------------------------------------------------


def test_session_without_origin_is_refused(client, workspace, database):
    response = post_session(client, workspace.public_key, origin=None)
    assert_error(response, 403, "origin_not_allowed")
    assert "access-control-allow-origin" not in response.headers
    assert count(database, tables.end_user) == 0


def test_session_from_an_unknown_origin_is_refused_with_cors_headers(client, workspace, database):
    response = post_session(client, workspace.public_key, origin=EVIL)
    assert_error(response, 403, "origin_not_allowed")
    # Reflected so the widget can read the error.
    assert response.headers["access-control-allow-origin"] == EVIL
    assert "Origin" in response.headers["vary"]
    assert count(database, tables.end_user) == 0


def test_lookalike_origins_are_refused(client, workspace, database, subtests):
    for origin in [
        "https://app.example.com.evil.net",
        "http://app.example.com",
        "https://app.example.com:444",
        "null",
        "https://APP.example.com.",
        "",
    ]:
        with subtests.test(origin=origin):
            assert_error(
                post_session(client, workspace.public_key, origin=origin), 403, "origin_not_allowed"
            )
    assert count(database, tables.end_user) == 0


def test_allowed_origin_gets_cors_headers(client, workspace):
    response = post_session(client, workspace.public_key)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "Origin" in response.headers["vary"]
    # A trailing slash is tolerated.
    assert post_session(client, workspace.public_key, origin=ORIGIN + "/").status_code == 200


def test_wildcard_origin(client, workspace):
    response = client.patch(
        "/api/v1/workspace", json={"allowed_origins": ["*"]}, headers=workspace.auth
    )
    assert response.status_code == 200, response.text
    assert post_session(client, workspace.public_key, origin=EVIL).status_code == 200


def test_events_from_an_unknown_origin_are_refused_and_not_stored(client, workspace, database):
    token = open_session(client, workspace)["token"]
    response = post_widget_events(client, token, [wev("e1", "clicked")], origin=EVIL)
    assert_error(response, 403, "origin_not_allowed")
    assert response.headers["access-control-allow-origin"] == EVIL
    assert_error(
        post_widget_events(client, token, [wev("e1", "clicked")], origin=None),
        403,
        "origin_not_allowed",
    )
    assert count(database, tables.event) == 0


def test_preflight_is_answered_for_any_origin(client, subtests):
    for path in ("/api/v1/widget/session", "/api/v1/widget/events"):
        for origin in (ORIGIN, EVIL):
            with subtests.test(path=path, origin=origin):
                response = client.options(
                    path,
                    headers={
                        "Origin": origin,
                        "Access-Control-Request-Method": "POST",
                        "Access-Control-Request-Headers": "content-type",
                    },
                )
                assert response.status_code == 204
                assert response.content == b""
                assert response.headers["access-control-allow-origin"] == origin
                assert "POST" in response.headers["access-control-allow-methods"]
                assert "content-type" in response.headers["access-control-allow-headers"].lower()
                assert int(response.headers["access-control-max-age"]) > 0
                assert "Origin" in response.headers["vary"]


def test_server_api_gets_no_cors_headers(client, workspace):
    response = client.get("/api/v1/tours", headers={**workspace.auth, "Origin": ORIGIN})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


# Public key and token -----------------------------------------------------------------------


def test_unknown_public_key(client, workspace, database):
    response = post_session(client, "pk_doesnotexist")
    assert_error(response, 401, "unauthorized")
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert count(database, tables.end_user) == 0


def test_secret_key_is_not_a_public_key(client, workspace):
    assert_error(post_session(client, workspace.secret_key[:64]), 401, "unauthorized")


def _quiet_encode(payload: dict, key: str, algorithm: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        return jwt.encode(payload, key, algorithm=algorithm)


def _token(workspace_id: int, user: str = "u1", *, secret: str = SECRET, ttl: int = 3600) -> str:
    return issue_widget_token(WidgetIdentity(workspace_id, user, None), secret, ttl)


BAD_TOKENS = dict(
    [
        ("expired", lambda ws: _token(ws, ttl=-5)),
        ("forged", lambda ws: _token(ws, secret="another-server-secret-" + "y" * 32)),
        ("garbage", lambda ws: "not-a-token"),
        (
            "no-audience",
            lambda ws: jwt.encode(
                {"ws": ws, "sub": "u1", "exp": int(time.time()) + 60}, SECRET, algorithm="HS256"
            ),
        ),
        (
            "wrong-audience",
            lambda ws: jwt.encode(
                {"aud": "other", "ws": ws, "sub": "u1", "exp": int(time.time()) + 60},
                SECRET,
                algorithm="HS256",
            ),
        ),
        (
            "ws-not-int",
            lambda ws: jwt.encode(
                {"aud": "shirube:widget", "ws": str(ws), "sub": "u1", "exp": int(time.time()) + 60},
                SECRET,
                algorithm="HS256",
            ),
        ),
        (
            "no-exp",
            lambda ws: jwt.encode(
                {"aud": "shirube:widget", "ws": ws, "sub": "u1"}, SECRET, algorithm="HS256"
            ),
        ),
        (
            "other-algorithm",
            lambda ws: _quiet_encode(
                {"aud": "shirube:widget", "ws": ws, "sub": "u1", "exp": int(time.time()) + 60},
                SECRET,
                "HS512",
            ),
        ),
        (
            "alg-none",
            lambda ws: jwt.encode(
                {"aud": "shirube:widget", "ws": ws, "sub": "u1", "exp": int(time.time()) + 60},
                None,
                algorithm="none",
            ),
        ),
    ]
)


def test_bad_session_tokens(client, workspace, database, subtests):
    for name, make_token in BAD_TOKENS.items():
        with subtests.test(token=name):
            response = post_widget_events(client, make_token(workspace.id), [wev("e1", "clicked")])
            assert_error(response, 401, "session_expired")
            assert response.headers["access-control-allow-origin"] == ORIGIN
    assert count(database, tables.event) == 0


def test_token_for_a_workspace_that_no_longer_exists(client, workspace, database):
    assert_error(
        post_widget_events(client, _token(999_999), [wev("e1", "x")]), 401, "session_expired"
    )


def test_short_token_ttl_expires(settings, database, workspace):
    app = create_app(dataclasses.replace(settings, widget_token_ttl_seconds=1), database)
    with TestClient(app, raise_server_exceptions=False) as short:
        session = open_session(short, workspace)
        assert session["expires_in"] == 1
        # Expiry checked below by value: with a 1-second life, a slow machine may see the
        # token expire before this line decodes it (exp is whole seconds).
        claims = jwt.decode(
            session["token"],
            SECRET,
            algorithms=["HS256"],
            audience="shirube:widget",
            options={"verify_exp": False},
        )
        assert claims["exp"] - time.time() <= 1.5
        assert claims["sub"] == "u1" and claims["ws"] == workspace.id


def test_events_need_the_token_not_a_user_id(client, workspace, database):
    _unverified_sessions_write_companies(database, workspace)
    token = open_session(client, workspace, "u1", company={"id": "c1"})["token"]
    response = post_widget_events(
        client, token, [{"id": "e1", "name": "x", "user_id": "someone-else"}]
    )
    assert_error(response, 422, "validation_error", ["events[0].user_id"])
    body = widget_send(client, token, [wev("e2", "clicked", properties={"button": "import"})])
    assert (body["received"], body["accepted"], body["duplicates"]) == (1, 1, 0)
    [event] = rows(database, tables.event, workspace_id=workspace.id)
    assert (event.user_id, event.company_id, event.source) == ("u1", "c1", "widget")
    assert event.properties == {"button": "import"}


def test_events_accept_text_plain_from_send_beacon(client, workspace, database):
    token = open_session(client, workspace)["token"]
    response = client.post(
        "/api/v1/widget/events",
        content=f'{{"token": "{token}", "events": [{{"id": "b1", "name": "unload"}}]}}',
        headers={"Origin": ORIGIN, "Content-Type": "text/plain;charset=UTF-8"},
    )
    assert response.status_code == 200, response.text
    assert count(database, tables.event, id="b1") == 1


# The session answer -------------------------------------------------------------------------


def test_session_answer_shape(client, workspace, database):
    _unverified_sessions_write_companies(database, workspace)
    publish(
        client, workspace, "tour", tour_doc("welcome", audience=None, trigger={"type": "manual"})
    )
    publish(
        client,
        workspace,
        "checklist",
        checklist_doc(
            "setup", [event_item("import", "employees_imported")], survey={"question": "OK?"}
        ),
    )
    session = open_session(
        client,
        workspace,
        "u1",
        traits={"role": "admin"},
        company={"id": "c1", "traits": {"plan": "pro"}},
    )
    assert set(session) == {
        "token",
        "expires_in",
        "user",
        "workspace",
        "revision",
        "tours",
        "checklists",
    }
    assert session["user"] == {"id": "u1", "company_id": "c1", "locale": "en"}
    assert session["workspace"]["default_locale"] == "en"
    assert session["revision"] == 2
    [tour] = session["tours"]
    assert "name" not in tour and "audience" not in tour
    assert tour["version"] == 1
    assert tour["trigger"] == {"type": "manual"}
    assert tour["steps"][0]["placement"] == "auto"  # defaults written out
    assert tour["progress"] == {"status": "not_started", "current_step": None}
    [checklist] = session["checklists"]
    assert checklist["progress"] == {
        "completed_items": {},
        "completed": 0,
        "total": 1,
        "completed_at": None,
        "survey_answered": False,
    }
    assert checklist["survey"] == {"question": "OK?"}
    # The user and company were stored with their traits and membership.
    [user] = rows(database, tables.end_user, workspace_id=workspace.id)
    assert user.traits == {"role": "admin"}
    [company] = rows(database, tables.company, workspace_id=workspace.id)
    assert company.traits == {"plan": "pro"}
    assert (
        count(database, tables.membership, workspace_id=workspace.id, user_id="u1", company_id="c1")
        == 1
    )


def test_no_published_content(client, workspace):
    publish_draft_only = client.post("/api/v1/tours", json=tour_doc(), headers=workspace.auth)
    assert publish_draft_only.status_code == 201
    session = open_session(client, workspace)
    assert (session["tours"], session["checklists"]) == ([], [])


LOCALE_CASES = [
    ("ja", "ようこそ"),
    ("ja-JP", "ようこそ"),
    ("ja_JP", "ようこそ"),
    ("en", "Welcome"),
    ("en-GB", "Welcome"),
    ("pt-BR", "Bem-vindo"),
    ("pt-br", "Bem-vindo"),
    ("fr", "Welcome"),  # unknown: the workspace default (en)
    (None, "Welcome"),
]


def test_locale_resolution(client, workspace, subtests):
    publish(
        client,
        workspace,
        "tour",
        {
            **tour_doc(),
            "steps": [{"id": "s1", "kind": "modal", "title": TITLE, "body": "Plain for everyone"}],
        },
    )
    for locale, title in LOCALE_CASES:
        with subtests.test(locale=locale):
            body = {"locale": locale} if locale else {}
            session = open_session(client, workspace, "u-" + (locale or "none"), **body)
            [tour] = session["tours"]
            assert tour["steps"][0]["title"] == title
            assert tour["steps"][0]["body"] == "Plain for everyone"


def test_locale_fallback_to_a_japanese_default(client, database):
    ws = make_workspace(database, "Kintai JP", default_locale="ja")
    publish(
        client, ws, "tour", {**tour_doc(), "steps": [{"id": "s1", "kind": "modal", "title": TITLE}]}
    )
    session = open_session(client, ws, "u1", locale="fr")
    assert session["tours"][0]["steps"][0]["title"] == "ようこそ"
    assert session["user"]["locale"] == "fr"
    assert session["workspace"]["default_locale"] == "ja"
    # No translation in the default either: the first entry.
    publish(
        client,
        ws,
        "tour",
        {
            **tour_doc(),
            "steps": [
                {"id": "s1", "kind": "modal", "title": {"de": "Willkommen", "fr": "Bienvenue"}}
            ],
        },
    )
    assert (
        open_session(client, ws, "u2", locale="es")["tours"][0]["steps"][0]["title"] == "Willkommen"
    )


def test_locale_is_remembered_per_user(client, workspace, database):
    publish(
        client,
        workspace,
        "tour",
        {**tour_doc(), "steps": [{"id": "s1", "kind": "modal", "title": TITLE}]},
    )
    assert (
        open_session(client, workspace, "u1", locale="ja")["tours"][0]["steps"][0]["title"]
        == "ようこそ"
    )
    later = open_session(client, workspace, "u1")
    assert later["user"]["locale"] == "ja"
    assert later["tours"][0]["steps"][0]["title"] == "ようこそ"
    [user] = rows(database, tables.end_user, workspace_id=workspace.id)
    assert user.locale == "ja"


def test_bad_locale_is_a_validation_error(client, workspace):
    assert_error(
        post_session(client, workspace.public_key, locale="日本語"),
        422,
        "validation_error",
        ["locale"],
    )


ADMINS = {"all": [{"attribute": "user.role", "op": "equals", "value": "admin"}]}
PRO = {"all": [{"attribute": "company.plan", "op": "equals", "value": "pro"}]}


def _targeted_content(client, workspace):
    publish(client, workspace, "tour", tour_doc("everyone"))
    publish(client, workspace, "tour", tour_doc("admin-tour", audience=ADMINS))
    publish(client, workspace, "tour", tour_doc("pro-tour", audience=PRO))
    publish(client, workspace, "checklist", checklist_doc("admin-setup", audience=ADMINS))


def test_audience_targeting_by_role(client, workspace):
    _targeted_content(client, workspace)
    employee = open_session(client, workspace, "emp", traits={"role": "employee"})
    assert keys(employee["tours"]) == ["everyone"]
    assert employee["checklists"] == []
    admin = open_session(client, workspace, "adm", traits={"role": "admin"})
    assert sorted(keys(admin["tours"])) == ["admin-tour", "everyone"]
    assert keys(admin["checklists"]) == ["admin-setup"]
    anonymous = open_session(client, workspace, "nobody")
    assert keys(anonymous["tours"]) == ["everyone"]


def test_audience_targeting_by_company(client, workspace, database):
    _unverified_sessions_write_companies(database, workspace)
    _targeted_content(client, workspace)
    pro = open_session(client, workspace, "u1", company={"id": "c-pro", "traits": {"plan": "pro"}})
    assert sorted(keys(pro["tours"])) == ["everyone", "pro-tour"]
    trial = open_session(
        client, workspace, "u2", company={"id": "c-trial", "traits": {"plan": "trial"}}
    )
    assert keys(trial["tours"]) == ["everyone"]
    # Company traits are stored: a later session naming only the company id still matches.
    again = open_session(client, workspace, "u3", company={"id": "c-pro"})
    assert "pro-tour" in keys(again["tours"])
    assert "pro-tour" not in keys(open_session(client, workspace, "u4")["tours"])


def test_traits_merge_and_retarget(client, workspace, database):
    _targeted_content(client, workspace)
    open_session(client, workspace, "u1", traits={"role": "admin", "department": "人事"})
    # Traits not sent are kept: still an admin.
    later = open_session(client, workspace, "u1", traits={"plan_seen": True})
    assert "admin-tour" in keys(later["tours"])
    [user] = rows(database, tables.end_user, workspace_id=workspace.id)
    assert user.traits == {"role": "admin", "department": "人事", "plan_seen": True}
    # A changed role changes what is shown.
    demoted = open_session(client, workspace, "u1", traits={"role": "employee"})
    assert keys(demoted["tours"]) == ["everyone"]


def test_session_progress_reflects_widget_events(client, workspace):
    publish(client, workspace, "tour", tour_doc("welcome"))
    publish(
        client,
        workspace,
        "checklist",
        checklist_doc(
            "setup", [event_item("import", "employees_imported"), event_item("other", "other")]
        ),
    )
    session = open_session(client, workspace)
    widget_send(
        client,
        session["token"],
        [
            wev(
                "w1", "$tour_step_seen", properties={"tour": "welcome", "step": "s2", "version": 1}
            ),
            wev("w2", "employees_imported", timestamp="2026-01-05T09:00:00Z"),
        ],
    )
    again = open_session(client, workspace)
    tour = by_key(again["tours"], "welcome")
    assert tour["progress"]["status"] == "in_progress"
    assert tour["progress"]["current_step"] == "s2"
    assert tour["progress"]["version"] == 1
    checklist = by_key(again["checklists"], "setup")
    assert checklist["progress"]["completed_items"] == {"import": "2026-01-05T09:00:00Z"}
    assert checklist["progress"]["completed"] == 1


def test_theme_in_the_session(client, workspace):
    response = client.patch(
        "/api/v1/workspace", json={"theme": {"brand_color": "#0055cc"}}, headers=workspace.auth
    )
    assert response.status_code == 200, response.text
    assert open_session(client, workspace)["workspace"]["theme"] == {"brand_color": "#0055cc"}


def test_workspace_origins_are_read_from_the_database(client, workspace, database):
    update_workspace(database, workspace.id, allowed_origins=["https://new.example.com"])
    assert_error(post_session(client, workspace.public_key), 403, "origin_not_allowed")
    assert (
        post_session(client, workspace.public_key, origin="https://new.example.com").status_code
        == 200
    )


def _unverified_sessions_write_companies(database, workspace):
    """These sessions are unverified (`off` mode): the workspace lets them write companies,
    as before migration 0009 (test_identity.py checks the default)."""
    update_workspace(database, workspace.id, unverified_company_writes=True)


def test_target_missing_carries_what_each_strategy_found_and_the_page(client, workspace, database):
    """`$target_missing` of a robust target (#14): `tried` (the primary, each strategy, the
    text; counts) and `url` stored as sent; an unknown strategy or a count that is no whole
    number refused at its path."""
    token = open_session(client, workspace, "u1")["token"]
    tried = [{"by": "css", "found": 0}, {"by": "aria", "found": 3}, {"by": "text", "found": 0}]
    props = {"tour": "welcome", "step": "s1", "selector": "#a", "url": "https://app.example.com/x"}
    widget_send(client, token, [wev("t1", "$target_missing", properties={**props, "tried": tried})])
    [stored] = rows(database, tables.event, workspace_id=workspace.id)
    assert stored.properties == {**props, "tried": tried}
    for bad, path in [
        ([{"by": "xpath", "found": 0}], "events[0].properties.tried[0].by"),
        ([{"by": "css", "found": 1.5}], "events[0].properties.tried[0].found"),
        ([{"by": "css", "found": 0}] * 11, "events[0].properties.tried"),
    ]:
        response = post_widget_events(
            client, token, [wev("t2", "$target_missing", properties={**props, "tried": bad})]
        )
        assert_error(response, 422, "validation_error", [path])
