"""Synchronous calls against the live server: people, progress, content as code, sync mode,
and typed errors for 4xx answers, which are never retried."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from shirube_sdk import (
    ApiError,
    AuthenticationError,
    Client,
    NotFoundError,
    ValidationError,
)

from tests.sdk.live_server import LiveServer, Workspace


def count_requests(client: Client) -> list[str]:
    """Record every HTTP attempt the client makes (a retry shows up as a second entry)."""
    seen: list[str] = []
    transport = client._transport
    original = transport.request

    def request(method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(f"{method} {path}")
        return original(method, path, *args, **kwargs)

    transport.request = request  # type: ignore[method-assign]
    return seen


def test_identify_group_and_progress(make_client: Any, user_id: str) -> None:
    client: Client = make_client()
    company = f"c-{uuid.uuid4().hex[:8]}"
    user = client.identify(
        user_id,
        {"role": "admin", "dept": "人事"},
        company={"id": company, "traits": {"plan": "pro"}},
        locale="ja",
    )
    assert user["traits"] == {"role": "admin", "dept": "人事"}
    assert (user["locale"], user["company_ids"]) == ("ja", [company])
    assert client.group(company, {"seats": 40})["traits"] == {"plan": "pro", "seats": 40}
    assert client.identify(user_id, {"role": "manager"})["traits"] == {
        "role": "manager",
        "dept": "人事",
    }
    progress = client.progress(user_id)
    assert progress["user_id"] == user_id
    assert all(c["completed"] == 0 for c in progress["checklists"])


def test_content_import_then_a_server_event_completes_an_item(
    live_server: LiveServer, workspace: Workspace, make_client: Any, user_id: str
) -> None:
    client: Client = make_client(sync_mode=True)
    key = f"setup-{uuid.uuid4().hex[:6]}"
    document = {
        "format": "shirube.content/1",
        "tours": [],
        "checklists": [
            {
                "key": key,
                "title": {"ja": "はじめてのセットアップ", "en": "Getting started"},
                "items": [
                    {
                        "id": "import-employees",
                        "title": {"ja": "従業員を取り込む", "en": "Import employees"},
                        "completion": {"type": "event", "event": "employees_imported"},
                    }
                ],
            }
        ],
    }
    summary = client.import_content(document)
    assert f"checklist:{key}" in summary["created"]
    assert any(p["content"] == f"checklist:{key}" for p in summary["published"])
    exported = client.export_content()
    assert key in [c["key"] for c in exported["checklists"]]
    assert client.import_content(document, publish=False)["unchanged"] == [f"checklist:{key}"]

    def checklist() -> dict[str, Any]:
        found: dict[str, Any] = next(
            c for c in client.progress(user_id)["checklists"] if c["key"] == key
        )
        return found

    client.identify(user_id)
    assert checklist()["completed"] == 0
    event_id = client.track(user_id, "employees_imported", {"count": 12})  # sync: stored now
    assert list(checklist()["completed_items"]) == ["import-employees"]
    assert checklist()["completed_at"] is not None
    assert live_server.stored_event_ids(workspace, user_id) == [event_id]


def test_sync_mode_raises_and_does_not_retry(make_client: Any, user_id: str) -> None:
    client: Client = make_client(sync_mode=True, max_retries=5)
    attempts = count_requests(client)
    with pytest.raises(ValidationError) as caught:
        client.track(user_id, "bad/name")
    assert caught.value.status == 422
    assert caught.value.fields[0].path == "events[0].name"
    assert attempts == ["POST /api/v1/events"]


@pytest.mark.parametrize(
    ("call", "kind", "status", "code", "path"),
    [
        (
            lambda c: c.identify("u-x", {"nested": {"a": 1}}),
            ValidationError,
            422,
            "validation_error",
            "traits.nested",
        ),
        (lambda c: c.group("c-x", {"k" * 300: 1}), ValidationError, 422, "validation_error", None),
        (
            lambda c: c.import_content({"format": "nope"}),
            ValidationError,
            422,
            "validation_error",
            None,
        ),
        (lambda c: c.progress("nobody-" + uuid.uuid4().hex), NotFoundError, 404, "not_found", None),
    ],
)
def test_4xx_answers_raise_typed_errors_once(
    make_client: Any, call: Any, kind: type[ApiError], status: int, code: str, path: str | None
) -> None:
    client: Client = make_client(max_retries=5)
    attempts = count_requests(client)
    with pytest.raises(kind) as caught:
        call(client)
    error = caught.value
    assert (error.status, error.code) == (status, code)
    assert error.message
    # The id the server logged the request under (docs/operations.md).
    assert error.request_id is not None and re.fullmatch(r"[0-9a-f]{24}", error.request_id)
    if path is not None:
        assert [f.path for f in error.fields] == [path]
    assert len(attempts) == 1


def test_wrong_secret_key_is_an_authentication_error(make_client: Any, user_id: str) -> None:
    client: Client = make_client(secret_key="sk_not-a-key", max_retries=5)
    attempts = count_requests(client)
    with pytest.raises(AuthenticationError) as caught:
        client.identify(user_id)
    assert (caught.value.status, caught.value.code) == (401, "unauthorized")
    assert len(attempts) == 1
