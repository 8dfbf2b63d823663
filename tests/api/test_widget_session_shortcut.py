"""`POST /api/v1/widget/session` is served ahead of Starlette's routing
(`middleware.widget_session_route`): every answer must be the one the Starlette route gives,
status, headers and body, for good requests and for each kind of refusal."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from shirube.api.session_body import plain_session_request
from shirube.api.widget import SessionBody, request_of
from shirube.app import create_app
from shirube.errors import ValidationFailed
from shirube.middleware.widget_session_route import WidgetSessionRoute
from shirube.services.widget_session import SessionRequest
from shirube.validation import validate_model
from starlette.testclient import TestClient

from tests.api.helpers import publish, tour_doc
from tests.conftest import ORIGIN

PATH = "/api/v1/widget/session"


@pytest.fixture
def route_client(settings: Any, database: Any) -> Iterator[TestClient]:
    """The same application without the fast path: the session goes through the route."""
    app = create_app(settings, database)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not WidgetSessionRoute]
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
    route.user_middleware = [m for m in route.user_middleware if m.cls is not WidgetSessionRoute]
    headers = [(b"origin", ORIGIN.encode()), (b"content-length", b"1000000000")]
    body = json.dumps({"public_key": workspace.public_key, "user_id": "u1"}).encode()
    got, expected = _asgi(fast, headers, body), _asgi(route, headers, body)
    assert got == expected
    assert got[0]["status"] == 413


def _pydantic_request(data: Any) -> tuple[str, SessionRequest] | None:
    try:
        body = validate_model(SessionBody, data)
    except ValidationFailed:
        return None
    return body.public_key, request_of(body)


_ODD_VALUES: list[Any] = [
    None, "", "x", "x" * 64, "x" * 65, "x" * 255, "x" * 256, "x" * 1000, "x" * 1001, "日本語",
    "ja", "ja-JP", "pt_BR", "zh-Hant-TW", "ja\n", "j", "jajaj", "ja-", "ja-J", "en-abcdefghi",
    0, 1, -1, 2**63 - 1, 1.5, -0.0, 1e300, True, False, [], [1, "a"], [None], ["x" * 1001],
    ["x" * 1000, 2.5, False], [[1]], [{"a": 1}], list(range(100)), list(range(101)),
    {}, {"a": 1}, {"": 1}, {"k" * 65: 1}, {"a": {"b": 1}}, {"a": [1, 2]}, {"a": None},
    {f"k{i}": i for i in range(101)}, {"id": "c1"}, {"id": "c1", "traits": {"plan": "pro"}},
    {"id": "", "traits": {}}, {"id": "c1", "x": 1}, {"traits": {"a": 1}}, "t" * 4096, "t" * 4097,
]  # fmt: skip


def test_plain_bodies_are_read_as_pydantic_reads_them():
    """Whatever the plain check accepts, pydantic accepts with the same values."""
    rng = random.Random(20261123)
    base: dict[str, Any] = {
        "public_key": "pk_live_1",
        "user_id": "user-1",
        "traits": {"role": "admin", "logins": 3, "score": 1.5, "ok": True, "none": None},
        "locale": "ja",
        "company": {"id": "c1", "traits": {"plan": "pro", "employees": 40}},
        "identity_token": "abc",
    }
    keys = [*base, "extra"]
    for value in _ODD_VALUES:  # every odd value in every place, one at a time
        variants = [{**base, key: value} for key in keys]
        variants.append({**base, "traits": {**base["traits"], "role": value}})
        variants.append({**base, "company": {"id": "c1", "traits": {"plan": value}}})
        for body in variants:
            plain = plain_session_request(body)
            assert plain is None or plain == _pydantic_request(body), body
    accepted = 0
    for _ in range(4000):
        body = json.loads(json.dumps(base))
        for _ in range(rng.randint(0, 3)):
            key = rng.choice(keys)
            if rng.random() < 0.15:
                body.pop(key, None)
            elif (
                key in ("traits", "company")
                and isinstance(body.get(key), dict)
                and rng.random() < 0.5
            ):
                target = body[key] if key == "traits" else body[key].setdefault("traits", {})
                if isinstance(target, dict):
                    target[rng.choice(["role", "new", "", "k" * 65])] = rng.choice(_ODD_VALUES)
            else:
                body[key] = rng.choice(_ODD_VALUES)
        plain = plain_session_request(body)
        if plain is not None:
            accepted += 1
            assert plain == _pydantic_request(body), body
    assert accepted > 500  # the plain check does take the usual bodies
    assert plain_session_request(base) == _pydantic_request(base)
