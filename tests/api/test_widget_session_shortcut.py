"""`POST /api/v1/widget/session` is handed to its endpoint ahead of Starlette's middleware and
routing (`middleware.shortcut`): every answer must be the one the same endpoint gives through
the Starlette route, status, headers and body, for good requests and each kind of refusal."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from shirube.app import create_app
from shirube.middleware.shortcut import Shortcut
from starlette.testclient import TestClient

from tests.api.helpers import publish, tour_doc
from tests.conftest import ORIGIN

PATH = "/api/v1/widget/session"
SAME_ID = {"X-Request-Id": "compared-request"}


@pytest.fixture
def route_client(settings: Any, database: Any) -> Iterator[TestClient]:
    """The same application without the fast path: the session goes through the route."""
    app = create_app(settings, database)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not Shortcut]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _answer(response: Any) -> tuple[int, list[tuple[str, str]], Any]:
    headers = [(k.lower(), v) for k, v in response.headers.items() if k.lower() != "content-length"]
    try:
        body = response.json()
    except json.JSONDecodeError:
        body = response.content
    if isinstance(body, dict) and "token" in body:
        assert body.pop("token")  # signed with the time: compared apart
    return response.status_code, headers, body


def test_fast_path_answers_what_the_route_answers(client, route_client, workspace, subtests):
    publish(client, workspace, "tour", tour_doc("welcome", steps=("s1", "s2")))
    good = {
        "public_key": workspace.public_key,
        "user_id": "u1",
        "traits": {"role": "admin", "logins": 3},
        "locale": "ja",
        "company": {"id": "c1", "traits": {"plan": "pro"}},
    }
    cases: dict[str, tuple[str, bytes, dict[str, str]]] = {
        "good": ("POST", json.dumps(good).encode(), {"Origin": ORIGIN}),
        "good, locale with underscore": (
            "POST",
            json.dumps({**good, "locale": "pt_BR"}).encode(),
            {"Origin": ORIGIN},
        ),
        "good, no company": (
            "POST",
            json.dumps({"public_key": workspace.public_key, "user_id": "u2"}).encode(),
            {"Origin": ORIGIN},
        ),
        "unknown origin": ("POST", json.dumps(good).encode(), {"Origin": "https://evil.example"}),
        "no origin": ("POST", json.dumps(good).encode(), {}),
        "unknown public key": (
            "POST",
            json.dumps({**good, "public_key": "pk_nope"}).encode(),
            {"Origin": ORIGIN},
        ),
        "invalid JSON": ("POST", b"{nope", {"Origin": ORIGIN}),
        "empty body": ("POST", b"", {"Origin": ORIGIN}),
        "not an object": ("POST", b"[1, 2]", {"Origin": ORIGIN}),
        "unknown key": ("POST", json.dumps({**good, "x": 1}).encode(), {"Origin": ORIGIN}),
        "bad trait": (
            "POST",
            json.dumps({**good, "traits": {"a": {"nested": 1}}}).encode(),
            {"Origin": ORIGIN},
        ),
        "U+0000": ("POST", json.dumps({**good, "user_id": "a\u0000"}).encode(), {"Origin": ORIGIN}),
        "body too large": (
            "POST",
            json.dumps(good).encode() + b" " * 2_000_000,
            {"Origin": ORIGIN},
        ),
        "GET": ("GET", b"", {"Origin": ORIGIN}),
        "OPTIONS preflight": (
            "OPTIONS",
            b"",
            {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
        ),
    }
    for name, (method, body, headers) in cases.items():
        headers = {**headers, **SAME_ID}  # so that the answers repeat one request id
        with subtests.test(name):
            expected = _answer(route_client.request(method, PATH, content=body, headers=headers))
            got = _answer(client.request(method, PATH, content=body, headers=headers))
            assert got == expected
            if name.startswith("good"):
                assert got[0] == 200


def _asgi(app: Any, headers: list[tuple[bytes, bytes]], body: bytes) -> list[dict[str, Any]]:
    """Call the application directly (a client would correct a wrong Content-Length)."""
    sent: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    return sent


def test_a_declared_length_over_the_limit_is_refused_alike(settings, database, workspace):
    fast = create_app(settings, database)
    route = create_app(settings, database)
    route.user_middleware = [m for m in route.user_middleware if m.cls is not Shortcut]
    headers = [
        (b"origin", ORIGIN.encode()),
        (b"content-length", b"1000000000"),
        (b"x-request-id", b"compared-request"),
    ]
    body = json.dumps({"public_key": workspace.public_key, "user_id": "u1"}).encode()
    got, expected = _asgi(fast, headers, body), _asgi(route, headers, body)
    assert got == expected
    assert got[0]["status"] == 413
