"""The console's webhooks pages: owners manage endpoints, editors and viewers read; the
secret is shown once; the delivery log with status, duration and time, and resend; the notice
of an endpoint disabled for failing; Japanese and English; CSRF; other workspaces unseen."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from shirube.services.webhook_endpoints import disable_endpoint
from shirube.timeutil import utcnow
from starlette.testclient import TestClient

from tests.api.helpers import checklist_doc, ev, publish, send_events
from tests.console.conftest import CSRF, make_admin, sign_in
from tests.webhooks.conftest import add_endpoint, deliver, deliveries, make_worker


def _page(client: TestClient, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.text


def _post(client: TestClient, path: str, page: str, **fields: str) -> Any:
    token = CSRF.search(_page(client, page))
    assert token is not None
    return client.post(path, data={"csrf_token": token.group(1), **fields}, follow_redirects=False)


def test_an_owner_adds_changes_rotates_and_deletes_an_endpoint(
    client, database, workspace, receiver
):
    make_admin(database, "owner@example.com", {workspace.id: "owner"})
    sign_in(client, "owner@example.com")
    base = f"/console/workspaces/{workspace.id}/webhooks"
    added = _post(
        client,
        base,
        base,
        url=receiver.url,
        description="CRM <sync>",
        **{"kind:checklist.completed": "on", "kind:survey.answered": "on"},
    )
    assert added.status_code == 200
    secret = re.search(r"data-secret>(whsec_[^<]+)<", added.text)
    assert secret is not None
    listed = _page(client, base)
    assert secret.group(1) not in listed and "CRM &lt;sync&gt;" in listed
    (endpoint,) = client.get("/api/v1/webhooks", headers=workspace.auth).json()["data"]
    assert endpoint["kinds"] == ["checklist.completed", "survey.answered"]
    detail = f"{base}/{endpoint['id']}"

    changed = _post(
        client,
        detail,
        detail,
        url=receiver.url + "/v2",
        description="",
        **{"kind:tour.completed": "on"},
    )
    assert changed.status_code == 303 and changed.headers["location"] == detail
    after = client.get(f"/api/v1/webhooks/{endpoint['id']}", headers=workspace.auth).json()
    assert after["url"].endswith("/hooks/v2") and after["kinds"] == ["tour.completed"]
    assert after["enabled"] is False  # the form's checkbox was not ticked
    assert after["description"] is None

    rotated = _post(client, detail + "/rotate", detail)
    new_secret = re.search(r"data-secret>(whsec_[^<]+)<", rotated.text)
    assert rotated.status_code == 200 and new_secret and new_secret.group(1) != secret.group(1)
    assert "finish-rotation" in _page(client, detail)
    assert _post(client, detail + "/finish-rotation", detail).status_code == 303
    assert "finish-rotation" not in _page(client, detail)

    assert _post(client, detail + "/delete", detail).headers["location"] == base
    assert client.get("/api/v1/webhooks", headers=workspace.auth).json()["data"] == []


def test_a_refused_url_is_said_on_the_form_with_what_was_typed(client, database, workspace):
    make_admin(database, "owner@example.com", {workspace.id: "owner"})
    sign_in(client, "owner@example.com")
    base = f"/console/workspaces/{workspace.id}/webhooks"
    answer = _post(client, base, base, url="ftp://example.com/<x>", **{"kind:tour.completed": "on"})
    assert answer.status_code == 422
    assert (
        "url: must start with" in answer.text
        and 'value="ftp://example.com/&lt;x&gt;"' in answer.text
    )
    none = _post(client, base, base, url="https://example.com/in")
    assert none.status_code == 422 and "kinds: name at least one kind" in none.text


def test_the_log_shows_status_duration_and_time_and_resends(
    client, database, workspace, receiver, clock
):
    make_admin(database, "owner@example.com", {workspace.id: "owner"})
    sign_in(client, "owner@example.com")
    publish(client, workspace, "checklist", checklist_doc("setup"))
    hook = add_endpoint(client, workspace, receiver.url, ["survey.answered"])
    receiver.statuses = [503]
    send_events(
        client,
        workspace,
        [ev("s1", "$survey_answered", properties={"checklist": "setup", "rating": 2})],
    )
    deliver(make_worker(database, clock))
    detail = f"/console/workspaces/{workspace.id}/webhooks/{hook['id']}"
    page = _page(client, detail)
    (delivery,) = deliveries(client, workspace, hook["id"])
    row = page.split(f'data-delivery="{delivery["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-status="503"' in row and " ms</td>" in row and "UTC" in row
    assert delivery["webhook_id"] in row and 'data-state="pending"' in row
    resent = _post(client, f"{detail}/deliveries/{delivery['id']}/resend", detail)
    assert resent.status_code == 303
    receiver.statuses = [200]
    deliver(make_worker(database, clock))
    assert deliveries(client, workspace, hook["id"])[0]["state"] == "succeeded"
    assert 'data-state="succeeded"' in _page(client, detail)


def test_a_viewer_reads_but_changes_nothing(client, database, workspace, receiver):
    hook = add_endpoint(client, workspace, receiver.url, ["tour.completed"])
    make_admin(database, "viewer@example.com", {workspace.id: "viewer"})
    sign_in(client, "viewer@example.com")
    base = f"/console/workspaces/{workspace.id}/webhooks"
    detail = f"{base}/{hook['id']}"
    for path in (base, detail):
        page = _page(client, path)
        assert "can read webhooks but not change them" in page
        assert 'action="/console/workspaces' not in page  # no form but the sign-out
    refused = _post(
        client, base, base, url="https://example.com/x", **{"kind:tour.completed": "on"}
    )
    assert refused.status_code == 403
    for action in ("/delete", "/rotate", "/finish-rotation", ""):
        assert _post(client, detail + action, detail).status_code == 403
    assert len(client.get("/api/v1/webhooks", headers=workspace.auth).json()["data"]) == 1


def test_forms_need_the_csrf_token(client, database, workspace, receiver):
    hook = add_endpoint(client, workspace, receiver.url, ["tour.completed"])
    make_admin(database, "owner@example.com", {workspace.id: "owner"})
    sign_in(client, "owner@example.com")
    base = f"/console/workspaces/{workspace.id}/webhooks"
    for path in (base, f"{base}/{hook['id']}/delete", f"{base}/{hook['id']}/rotate"):
        answer = client.post(path, data={"url": "https://example.com/"}, follow_redirects=False)
        assert answer.status_code == 403, path
    assert client.get(f"/api/v1/webhooks/{hook['id']}", headers=workspace.auth).status_code == 200


def test_another_workspaces_admin_finds_nothing(
    client, database, workspace, other_workspace, receiver
):
    hook = add_endpoint(client, workspace, receiver.url, ["tour.completed"])
    make_admin(database, "other@example.com", {other_workspace.id: "owner"})
    sign_in(client, "other@example.com")
    base = f"/console/workspaces/{workspace.id}/webhooks"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/{hook['id']}").status_code == 404
    own = f"/console/workspaces/{other_workspace.id}/webhooks"
    assert client.get(f"{own}/{hook['id']}").status_code == 404  # not under its own either
    answer = _post(client, f"{base}/{hook['id']}/delete", own)
    assert answer.status_code == 404


def test_a_disabled_endpoint_is_noticed_in_japanese_or_english(
    client, database, workspace, receiver
):
    hook = add_endpoint(client, workspace, receiver.url, ["tour.completed"])
    database.run_sync(
        lambda conn: disable_endpoint(conn, hook["id"], "failing", utcnow() - timedelta(minutes=1))
    )
    make_admin(database, "viewer@example.com", {workspace.id: "viewer"})
    sign_in(client, "viewer@example.com")
    base = f"/console/workspaces/{workspace.id}/webhooks"
    english = _page(client, base, **{"Accept-Language": "en-US,en;q=0.9,ja;q=0.5"})
    assert 'lang="en"' in english and "every delivery to it failed for more than a day" in english
    assert 'data-notice="disabled"' in english
    japanese = _page(client, base, **{"Accept-Language": "ja,en;q=0.8"})
    assert 'lang="ja"' in japanese and "1 日以上すべての配信が失敗しました" in japanese
    assert "エンドポイント" in japanese
    assert "配信ログ" in _page(client, f"{base}/{hook['id']}", **{"Accept-Language": "ja-JP"})
    overview = _page(client, f"/console/workspaces/{workspace.id}")
    assert 'data-notice="webhook-disabled"' in overview and receiver.url in overview
