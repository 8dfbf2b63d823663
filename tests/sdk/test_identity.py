"""Identity tokens made by the SDK, checked by the live server in `enforce` mode."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from shirube_sdk import Client, ShirubeError
from shirube_sdk.identity import sign_identity_token

from tests.sdk.live_server import ORIGIN, LiveServer, Workspace, call


@pytest.fixture
def enforcing(live_server: LiveServer, workspace: Workspace) -> Iterator[None]:
    auth = {"Authorization": f"Bearer {workspace.secret_key}"}
    url = live_server.url + "/api/v1/workspace"
    status, body = call("PATCH", url, {"identity_mode": "enforce"}, auth)
    assert status == 200, body
    yield
    call("PATCH", url, {"identity_mode": "off"}, auth)


def open_session(
    server: LiveServer, workspace: Workspace, user_id: str, token: str | None, **extra: Any
) -> tuple[int, Any]:
    body = {"public_key": workspace.public_key, "user_id": user_id, **extra}
    if token is not None:
        body["identity_token"] = token
    return call("POST", server.url + "/api/v1/widget/session", body, {"Origin": ORIGIN})


def _segment(claims: dict[str, Any]) -> str:
    raw = json.dumps(claims, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_token_claims_are_standard_hs256(workspace: Workspace) -> None:
    client = Client("http://127.0.0.1:9", "sk_unused", workspace.identity_secret)
    token = client.identity_token("u-1", "c-9", ttl=600)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, workspace.identity_secret, algorithms=["HS256"])
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert set(claims) == {"sub", "company", "exp"}
    assert (claims["sub"], claims["company"]) == ("u-1", "c-9")
    client.shutdown()


def test_identity_token_needs_the_secret() -> None:
    client = Client("http://127.0.0.1:9", "sk_unused")
    with pytest.raises(ShirubeError, match="identity_secret"):
        client.identity_token("u-1")
    client.shutdown()


@pytest.mark.usefixtures("enforcing")
def test_enforce_mode_accepts_sdk_tokens_and_rejects_tampered_ones(
    live_server: LiveServer, workspace: Workspace, make_client: Any, user_id: str
) -> None:
    client: Client = make_client()
    token = client.identity_token(user_id)
    status, body = open_session(live_server, workspace, user_id, token)
    assert status == 200, body
    assert body["user"]["id"] == user_id

    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    other_user = _segment({"sub": "someone-else", "exp": 4102444800})
    for bad in (
        f"{header}.{payload}.{flipped}",  # signature changed
        f"{header}.{other_user}.{signature}",  # claims changed, old signature
        client.identity_token("someone-else"),  # valid, for another user
        Client("http://127.0.0.1:9", "sk_x", "not-the-secret").identity_token(user_id),
        sign_identity_token(workspace.identity_secret, user_id, ttl=60, now=time.time() - 3600),
    ):
        status, body = open_session(live_server, workspace, user_id, bad)
        assert status == 401, (bad, body)
        assert body["error"]["code"] == "identity_required"

    status, body = open_session(live_server, workspace, user_id, None)
    assert status == 401


@pytest.mark.usefixtures("enforcing")
def test_company_claim_lets_the_user_name_that_company_only(
    live_server: LiveServer, workspace: Workspace, make_client: Any, user_id: str
) -> None:
    client: Client = make_client()
    token = client.identity_token(user_id, company_id="c-kintai")
    status, body = open_session(live_server, workspace, user_id, token, company={"id": "c-kintai"})
    assert status == 200, body
    status, body = open_session(live_server, workspace, user_id, token, company={"id": "c-other"})
    assert status == 401, body
