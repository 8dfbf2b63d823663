"""Identity verification of widget sessions: off, observe (count) and enforce (refuse before
anything is stored), with secret rotation."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import jwt
from shirube.storage import tables

from tests.api.helpers import (
    assert_error,
    count,
    identity_token,
    open_session,
    post_session,
    rows,
    update_workspace,
)
from tests.conftest import make_workspace

OTHER_SECRET = "idsec_" + "not-the-workspace-secret-" + "z" * 20


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _stats(database: Any, workspace: Any) -> tuple[int, int, int] | None:
    found = rows(database, tables.identity_stat, workspace_id=workspace.id)
    if not found:
        return None
    [row] = found
    assert row.day == _today()
    return (row.signed, row.unsigned, row.invalid)


def _bad_tokens(secret: str) -> dict[str, Any]:
    """Every way a token can be wrong for user u1 asking to be in company c1."""
    now = int(time.time())
    return {
        "missing": None,
        "empty": "",
        "expired": identity_token(secret, "u1", ttl=-120),
        "wrong-secret": identity_token(OTHER_SECRET, "u1"),
        "wrong-sub": identity_token(secret, "u2"),
        "wrong-company": identity_token(secret, "u1", company="c2"),
        "no-exp": jwt.encode({"sub": "u1"}, secret, algorithm="HS256"),
        "no-sub": jwt.encode({"exp": now + 60}, secret, algorithm="HS256"),
        "sub-not-string": jwt.encode({"sub": 1, "exp": now + 60}, secret, algorithm="HS256"),
        "not-yet-valid": jwt.encode(
            {"sub": "u1", "exp": now + 600, "nbf": now + 300}, secret, algorithm="HS256"
        ),
        "garbage": "garbage.token.here",
        "alg-none": jwt.encode({"sub": "u1", "exp": now + 60}, None, algorithm="none"),
    }


def _session_body(token: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "company": {"id": "c1", "traits": {"plan": "pro"}},
        "traits": {"role": "admin"},
    }
    if token is not None:
        body["identity_token"] = token
    return body


# off ----------------------------------------------------------------------------------------


def test_off_ignores_the_token(client, workspace, database, subtests):
    for case, token in _bad_tokens(workspace.identity_secret).items():
        with subtests.test(case=case):
            response = post_session(client, workspace.public_key, "u1", **_session_body(token))
            assert response.status_code == 200, response.text
    assert _stats(database, workspace) is None


# observe ------------------------------------------------------------------------------------


def test_observe_counts_signed_unsigned_and_invalid(client, database):
    ws = make_workspace(database, "Observed", identity_mode="observe")
    good = identity_token(ws.identity_secret, "u1", company="c1")
    for token in (good, good, None):
        assert post_session(client, ws.public_key, "u1", **_session_body(token)).status_code == 200
    assert _stats(database, ws) == (2, 1, 0)
    for case, token in _bad_tokens(ws.identity_secret).items():
        response = post_session(client, ws.public_key, "u1", **_session_body(token))
        assert response.status_code == 200, (case, response.text)
    # missing and empty count as unsigned, every other bad token as invalid.
    assert _stats(database, ws) == (2, 3, 10)
    stats = client.get("/api/v1/workspace/identity-stats", headers=ws.auth).json()
    assert stats["identity_mode"] == "observe"
    assert stats["days"] == [{"day": _today(), "signed": 2, "unsigned": 3, "invalid": 10}]
    assert stats["coverage"] == round(2 / 15, 4)


def test_observe_session_still_works_for_invalid_tokens(client, database):
    ws = make_workspace(database, "Observed", identity_mode="observe")
    session = open_session(client, ws, "u1", identity_token=identity_token(OTHER_SECRET, "u1"))
    assert session["user"]["id"] == "u1"
    assert count(database, tables.end_user, workspace_id=ws.id) == 1


def test_identity_stats_are_per_workspace(client, database, workspace):
    ws = make_workspace(database, "Observed", identity_mode="observe")
    post_session(client, ws.public_key, "u1")
    stats = client.get("/api/v1/workspace/identity-stats", headers=workspace.auth).json()
    assert (stats["days"], stats["coverage"]) == ([], None)


# enforce ------------------------------------------------------------------------------------


def test_enforce_refuses_and_stores_nothing(client, database, subtests):
    ws = make_workspace(database, "Enforced", identity_mode="enforce")
    for case, token in _bad_tokens(ws.identity_secret).items():
        with subtests.test(case=case):
            response = post_session(client, ws.public_key, "u1", **_session_body(token))
            error = assert_error(response, 401, "identity_required")
            assert "token" not in response.json()
            assert error["message"]
            assert count(database, tables.end_user) == 0
            assert count(database, tables.company) == 0
            assert count(database, tables.membership) == 0
            assert count(database, tables.identity_stat) == 0


def test_enforce_accepts_a_valid_token(client, database):
    ws = make_workspace(database, "Enforced", identity_mode="enforce")
    token = identity_token(ws.identity_secret, "u1", company="c1")
    session = open_session(client, ws, "u1", **_session_body(token))
    assert session["user"] == {"id": "u1", "company_id": "c1", "locale": "en"}
    assert count(database, tables.end_user, workspace_id=ws.id) == 1
    assert count(database, tables.membership, workspace_id=ws.id) == 1
    assert count(database, tables.identity_stat) == 0  # enforce refuses; it does not count
    # Without a company claim, the token binds the user only: no company may be named.
    plain = identity_token(ws.identity_secret, "u2")
    assert post_session(client, ws.public_key, "u2", identity_token=plain).status_code == 200
    claimed = post_session(
        client,
        ws.public_key,
        "u2",
        identity_token=plain,
        company={"id": "c1", "traits": {"plan": "free"}},
    )
    assert_error(claimed, 401, "identity_required")
    assert "company" in claimed.json()["error"]["message"]


def test_enforce_leeway_for_a_just_expired_token(client, database):
    ws = make_workspace(database, "Enforced", identity_mode="enforce")
    token = identity_token(ws.identity_secret, "u1", ttl=-10)  # within the 30 s leeway
    assert post_session(client, ws.public_key, "u1", identity_token=token).status_code == 200


def test_enforce_token_of_a_company_needs_that_company(client, database):
    ws = make_workspace(database, "Enforced", identity_mode="enforce")
    token = identity_token(ws.identity_secret, "u1", company="c1")
    assert_error(
        post_session(client, ws.public_key, "u1", identity_token=token), 401, "identity_required"
    )
    assert count(database, tables.end_user) == 0


def test_enforce_token_of_another_workspace(client, database):
    a = make_workspace(database, "A", identity_mode="enforce")
    b = make_workspace(database, "B", identity_mode="enforce")
    token = identity_token(a.identity_secret, "u1")
    assert_error(
        post_session(client, b.public_key, "u1", identity_token=token), 401, "identity_required"
    )
    assert post_session(client, a.public_key, "u1", identity_token=token).status_code == 200


def test_switching_mode_takes_effect_immediately(client, workspace, database):
    assert post_session(client, workspace.public_key, "u1").status_code == 200
    response = client.patch(
        "/api/v1/workspace", json={"identity_mode": "enforce"}, headers=workspace.auth
    )
    assert response.status_code == 200, response.text
    assert_error(post_session(client, workspace.public_key, "u1"), 401, "identity_required")
    token = identity_token(workspace.identity_secret, "u1")
    assert post_session(client, workspace.public_key, "u1", identity_token=token).status_code == 200


# rotation -----------------------------------------------------------------------------------


def test_rotation_keeps_the_previous_secret_until_finished(client, database):
    ws = make_workspace(database, "Enforced", identity_mode="enforce")
    old_token = identity_token(ws.identity_secret, "u1")
    rotated = client.post("/api/v1/workspace/identity-secret/rotate", headers=ws.auth)
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["identity_secret"]
    assert new_secret != ws.identity_secret
    assert (
        client.get("/api/v1/workspace", headers=ws.auth).json()["identity_secret_rotating"] is True
    )
    new_token = identity_token(new_secret, "u1")
    assert post_session(client, ws.public_key, "u1", identity_token=old_token).status_code == 200
    assert post_session(client, ws.public_key, "u1", identity_token=new_token).status_code == 200

    finished = client.post("/api/v1/workspace/identity-secret/rotate?finish=true", headers=ws.auth)
    assert finished.json() == {"identity_secret_rotating": False}
    assert_error(
        post_session(client, ws.public_key, "u1", identity_token=old_token),
        401,
        "identity_required",
    )
    assert post_session(client, ws.public_key, "u1", identity_token=new_token).status_code == 200


def test_previous_secret_set_in_the_database_is_accepted(client, database):
    ws = make_workspace(database, "Enforced", identity_mode="enforce")
    previous = "idsec_previous-" + "p" * 40
    update_workspace(database, ws.id, identity_secret_previous=previous)
    assert (
        post_session(
            client, ws.public_key, "u1", identity_token=identity_token(previous, "u1")
        ).status_code
        == 200
    )
    assert (
        post_session(
            client, ws.public_key, "u1", identity_token=identity_token(ws.identity_secret, "u1")
        ).status_code
        == 200
    )
    # An expired token signed with the previous secret is still refused as expired.
    expired = identity_token(previous, "u1", ttl=-120)
    error = assert_error(
        post_session(client, ws.public_key, "u1", identity_token=expired), 401, "identity_required"
    )
    assert "expired" in error["message"]


def test_observe_counts_previous_secret_as_signed(client, database):
    ws = make_workspace(database, "Observed", identity_mode="observe")
    previous = "idsec_previous-" + "q" * 40
    update_workspace(database, ws.id, identity_secret_previous=previous)
    post_session(client, ws.public_key, "u1", identity_token=identity_token(previous, "u1"))
    assert _stats(database, ws) == (1, 0, 0)


def test_widget_token_carries_the_verified_identity(client, database):
    ws = make_workspace(database, "Enforced", identity_mode="enforce")
    token = identity_token(ws.identity_secret, "u1", company="c1")
    session = open_session(client, ws, "u1", company={"id": "c1"}, identity_token=token)
    claims = jwt.decode(session["token"], options={"verify_signature": False})
    assert (claims["sub"], claims["co"], claims["ws"]) == ("u1", "c1", ws.id)


# Session tokens as the workspace is when they are used ---------------------------------------


def _events_accepted(client: Any, token: str, event_id: str) -> int:
    from tests.api.helpers import post_widget_events

    response = post_widget_events(client, token, [{"id": event_id, "name": "clicked"}])
    if response.status_code != 200:
        assert_error(response, 401, "session_expired")
    return int(response.status_code)


def test_tokens_minted_unverified_are_refused_once_verification_is_enforced(
    client, workspace, database
):
    """A token from an `off`-mode session posted events for 24 h after the switch to enforce;
    now the mode is checked when the token is used, and the widget opens a new session."""
    unverified = open_session(client, workspace, "u1")["token"]
    assert _events_accepted(client, unverified, "e1") == 200
    update_workspace(database, workspace.id, identity_mode="enforce")
    assert _events_accepted(client, unverified, "e2") == 401
    signed = identity_token(workspace.identity_secret, "u1")
    verified = open_session(client, workspace, "u1", identity_token=signed)["token"]
    assert _events_accepted(client, verified, "e3") == 200
    assert count(database, tables.event, workspace_id=workspace.id) == 2


def test_in_observe_mode_only_verified_tokens_survive_the_switch_to_enforce(
    client, workspace, database
):
    update_workspace(database, workspace.id, identity_mode="observe")
    signed = identity_token(workspace.identity_secret, "u1")
    verified = open_session(client, workspace, "u1", identity_token=signed)["token"]
    unsigned = open_session(client, workspace, "u2")["token"]
    forged = open_session(client, workspace, "u3", identity_token="garbage.token.here")["token"]
    assert [_events_accepted(client, t, f"o{n}") for n, t in enumerate((verified, unsigned))] == [
        200,
        200,
    ]
    update_workspace(database, workspace.id, identity_mode="enforce")
    assert _events_accepted(client, verified, "v1") == 200
    assert _events_accepted(client, unsigned, "v2") == 401
    assert _events_accepted(client, forged, "v3") == 401


def test_rotating_the_identity_secret_revokes_every_session_token(client, workspace, database):
    update_workspace(database, workspace.id, identity_mode="enforce")
    signed = identity_token(workspace.identity_secret, "u1")
    before = open_session(client, workspace, "u1", identity_token=signed)["token"]
    assert _events_accepted(client, before, "r1") == 200
    rotated = client.post("/api/v1/workspace/identity-secret/rotate", headers=workspace.auth)
    assert rotated.status_code == 200
    assert _events_accepted(client, before, "r2") == 401
    # The old secret still signs during the rotation: a new session gets a token that works.
    during = open_session(client, workspace, "u1", identity_token=signed)["token"]
    assert _events_accepted(client, during, "r3") == 200
    finished = client.post(
        "/api/v1/workspace/identity-secret/rotate?finish=true", headers=workspace.auth
    )
    assert finished.status_code == 200
    assert _events_accepted(client, during, "r4") == 401
    new_secret = rotated.json()["identity_secret"]
    after = open_session(client, workspace, "u1", identity_token=identity_token(new_secret, "u1"))[
        "token"
    ]
    assert _events_accepted(client, after, "r5") == 200


# What an unverified session may change -------------------------------------------------------


def _company(database: Any, workspace: Any, company_id: str) -> Any:
    found = rows(database, tables.company, workspace_id=workspace.id, external_id=company_id)
    return found[0] if found else None


def test_an_unverified_session_creates_no_company_and_joins_none(client, workspace, database):
    """`off` mode: anyone with the public key can claim any user id. Such a session names a
    company it does not belong to: nothing about the company changes, and the session (its
    answer, its token, the events it posts) has no company."""
    from tests.api.helpers import post_widget_events

    answer = open_session(
        client, workspace, "u1", company={"id": "victim", "traits": {"plan": "free"}}
    )
    assert answer["user"]["company_id"] is None
    assert _company(database, workspace, "victim") is None
    assert count(database, tables.membership, workspace_id=workspace.id) == 0
    claims = jwt.decode(answer["token"], options={"verify_signature": False})
    assert "co" not in claims
    sent = post_widget_events(client, answer["token"], [{"id": "x1", "name": "clicked"}])
    assert sent.status_code == 200
    [stored] = rows(database, tables.event, workspace_id=workspace.id)
    assert stored.company_id is None
    assert count(database, tables.membership, workspace_id=workspace.id) == 0


def test_an_unverified_member_speaks_for_its_company_as_stored(client, workspace, database):
    """A user the host backend put in a company (server API) keeps its company in unverified
    sessions, with the company's stored traits; the traits the session sends change nothing."""
    put = client.put(
        "/api/v1/companies/acme", headers=workspace.auth, json={"traits": {"plan": "pro"}}
    )
    assert put.status_code == 201
    joined = client.put("/api/v1/users/u1", headers=workspace.auth, json={"company_ids": ["acme"]})
    assert joined.status_code == 201
    answer = open_session(client, workspace, "u1", company={"id": "acme", "traits": {"plan": "x"}})
    assert answer["user"]["company_id"] == "acme"
    assert _company(database, workspace, "acme").traits == {"plan": "pro"}
    claims = jwt.decode(answer["token"], options={"verify_signature": False})
    assert claims["co"] == "acme"


def test_verified_sessions_and_workspaces_that_opt_in_change_companies(client, workspace, database):
    update_workspace(database, workspace.id, identity_mode="observe")
    signed = identity_token(workspace.identity_secret, "u1", company="acme")
    open_session(
        client,
        workspace,
        "u1",
        identity_token=signed,
        company={"id": "acme", "traits": {"plan": "pro"}},
    )
    assert _company(database, workspace, "acme").traits == {"plan": "pro"}
    assert count(database, tables.membership, workspace_id=workspace.id, user_id="u1") == 1
    # Unsigned in observe mode: unverified.
    open_session(client, workspace, "u2", company={"id": "other", "traits": {"plan": "x"}})
    assert _company(database, workspace, "other") is None
    patched = client.patch(
        "/api/v1/workspace", headers=workspace.auth, json={"unverified_company_writes": True}
    )
    assert patched.json()["unverified_company_writes"] is True
    open_session(client, workspace, "u2", company={"id": "other", "traits": {"plan": "x"}})
    assert _company(database, workspace, "other").traits == {"plan": "x"}
    assert count(database, tables.membership, workspace_id=workspace.id, user_id="u2") == 1


def test_new_workspaces_start_in_observe_mode(database):
    created = make_workspace(database, "Fresh", identity_mode="observe").data
    assert created["identity_mode"] == "observe"
    from shirube.services.workspaces import create_workspace

    default = database.run_sync(lambda conn: create_workspace(conn, "Default", []))
    assert default.workspace.identity_mode == "observe"
    assert default.workspace.unverified_company_writes is False
