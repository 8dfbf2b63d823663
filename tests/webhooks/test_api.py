"""The server API for webhook endpoints: what it accepts and refuses, secrets shown once and
rotated with two live ones, the delivery log's pages, and one workspace never reaching
another's endpoints or deliveries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shirube.app import create_app
from shirube.services.webhook_endpoints import MAX_ENDPOINTS
from shirube.settings import Settings
from shirube_sdk import WebhookVerificationError, verify_webhook
from starlette.testclient import TestClient

from tests.api.helpers import assert_error, checklist_doc, ev, field_message, publish, send_events
from tests.conftest import SECRET, make_workspace
from tests.webhooks.conftest import add_endpoint, deliver, deliveries, make_worker

HOOKS = "/api/v1/webhooks"


def _create(client: TestClient, ws: Any, **body: Any) -> Any:
    return client.post(HOOKS, headers=ws.auth, json=body)


def test_an_endpoint_is_created_with_a_secret_shown_once(client, workspace):
    created = add_endpoint(
        client,
        workspace,
        "https://Hooks.Example.com/in?x=1",
        ["survey.answered", "checklist.completed"],
        description="CRM",
    )
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["url"] == "https://hooks.example.com/in?x=1"
    assert created["kinds"] == ["checklist.completed", "survey.answered"]  # declared order
    assert created["enabled"] is True and created["disabled"] is None
    assert created["description"] == "CRM" and created["secret_rotating"] is False
    read = client.get(f"{HOOKS}/{created['id']}", headers=workspace.auth).json()
    assert "secret" not in read and created["secret"] not in str(read)
    listed = client.get(HOOKS, headers=workspace.auth).json()["data"]
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]


REFUSED: list[tuple[dict[str, Any], str, str]] = [
    ({"url": "ftp://example.com/x", "kinds": ["tour.completed"]}, "url", "must start with"),
    ({"url": "https://user:pw@example.com/", "kinds": ["tour.completed"]}, "url", "user name"),
    ({"url": "https://10.1.2.3/in", "kinds": ["tour.completed"]}, "url", "private address"),
    (
        {"url": "https://[::ffff:169.254.169.254]/", "kinds": ["tour.completed"]},
        "url",
        "link-local",
    ),
    ({"url": "https://exa\u202emple.com/", "kinds": ["tour.completed"]}, "url", "U+202E"),
    ({"url": "https://example.com/#x", "kinds": ["tour.completed"]}, "url", "fragment"),
    ({"url": "https://2130706433/", "kinds": ["tour.completed"]}, "url", "IPv4"),
    ({"url": "https://example.com/", "kinds": ["tour.started"]}, "kinds[0]", "unknown kind"),
    ({"url": "https://example.com/", "kinds": ["company.onboarded"]}, "kinds[0]", "#13"),
    ({"url": "https://example.com/", "kinds": ["user.goal_completed"]}, "kinds[0]", "goals"),
    ({"url": "https://example.com/", "kinds": []}, "kinds", "at least 1"),
    (
        {"url": "https://example.com/", "kinds": ["tour.completed"], "description": "a\nb"},
        "description",
        "control",
    ),
    (
        {"url": "https://example.com/", "kinds": ["tour.completed"], "secret": "mine"},
        "secret",
        "unknown key",
    ),
]


def test_what_an_endpoint_may_not_be(client, workspace):
    for body, path, words in REFUSED:
        error = assert_error(_create(client, workspace, **body), 422, "validation_error")
        assert words in field_message(error, path), body
    assert client.get(HOOKS, headers=workspace.auth).json()["data"] == []


def test_http_endpoints_and_loopback_need_the_operators_consent(database_url, database, workspace):
    plain = Settings(database_url=database_url, secret_key=SECRET, env="test")
    with TestClient(create_app(plain, database)) as client:
        for url, words in (
            ("http://example.com/in", "must start with https://"),
            ("https://127.0.0.1:8443/in", "loopback address"),
            ("https://[::1]/in", "loopback address"),
        ):
            error = assert_error(
                _create(client, workspace, url=url, kinds=["tour.completed"]),
                422,
                "validation_error",
            )
            assert words in field_message(error, "url")


def test_a_workspace_has_a_bounded_number_of_endpoints(client, workspace):
    for n in range(MAX_ENDPOINTS):
        add_endpoint(client, workspace, f"https://example.com/{n}", ["tour.completed"])
    assert_error(
        _create(client, workspace, url="https://example.com/x", kinds=["tour.completed"]),
        409,
        "conflict",
    )


def test_an_endpoint_changes_and_is_deleted(client, workspace):
    hook = add_endpoint(
        client, workspace, "https://example.com/a", ["tour.completed"], description="d"
    )
    path = f"{HOOKS}/{hook['id']}"
    changed = client.patch(
        path,
        headers=workspace.auth,
        json={"url": "https://example.com/b", "kinds": ["survey.answered"], "description": None},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["url"], changed.json()["kinds"], changed.json()["description"]) == (
        "https://example.com/b",
        ["survey.answered"],
        None,
    )
    off = client.patch(path, headers=workspace.auth, json={"enabled": False}).json()
    assert off["enabled"] is False and off["disabled"]["reason"] == "owner"
    on = client.patch(path, headers=workspace.auth, json={"enabled": True}).json()
    assert on["enabled"] is True and on["disabled"] is None
    assert_error(
        client.patch(path, headers=workspace.auth, json={"url": "ftp://x/"}),
        422,
        "validation_error",
        ["url"],
    )
    assert client.delete(path, headers=workspace.auth).status_code == 204
    assert_error(client.get(path, headers=workspace.auth), 404, "not_found")


def test_ids_out_of_range_or_malformed_are_not_found_never_a_server_error(client, workspace):
    for path in (
        f"{HOOKS}/99999999999999999999",
        f"{HOOKS}/0",
        f"{HOOKS}/1/deliveries/99999999999999",
    ):
        assert client.get(path, headers=workspace.auth).status_code == 404, path
    hook = add_endpoint(client, workspace, "https://example.com/a", ["tour.completed"])
    for query in ("limit=0", "limit=101", "limit=x", "before=-1", "state=lost", "limit=²"):
        response = client.get(f"{HOOKS}/{hook['id']}/deliveries?{query}", headers=workspace.auth)
        assert_error(response, 400, "bad_request")
    assert_error(client.get(HOOKS), 401, "unauthorized")


def test_one_workspace_never_reaches_anothers_endpoints_or_deliveries(
    client, database, workspace, receiver
):
    other = make_workspace(database, "Other")
    publish(client, workspace, "checklist", checklist_doc("setup"))
    hook = add_endpoint(client, workspace, receiver.url, ["survey.answered"])
    send_events(
        client,
        workspace,
        [ev("s1", "$survey_answered", properties={"checklist": "setup", "rating": 3})],
    )
    (delivery,) = deliveries(client, workspace, hook["id"])
    base = f"{HOOKS}/{hook['id']}"
    assert client.get(HOOKS, headers=other.auth).json()["data"] == []
    for method, path, body in (
        ("GET", base, None),
        ("PATCH", base, {"enabled": False}),
        ("DELETE", base, None),
        ("POST", base + "/secret/rotate", None),
        ("POST", base + "/secret/rotate?finish=true", None),
        ("GET", base + "/deliveries", None),
        ("GET", f"{base}/deliveries/{delivery['id']}", None),
        ("POST", f"{base}/deliveries/{delivery['id']}/resend", None),
    ):
        response = client.request(method, path, headers=other.auth, json=body)
        assert_error(response, 404, "not_found")
    # A delivery is found only under its own endpoint.
    own = add_endpoint(client, other, "https://example.com/o", ["survey.answered"])
    response = client.get(f"{HOOKS}/{own['id']}/deliveries/{delivery['id']}", headers=other.auth)
    assert_error(response, 404, "not_found")
    assert client.get(base, headers=workspace.auth).json()["enabled"] is True


def test_the_log_is_read_newest_first_a_page_at_a_time(client, workspace, receiver):
    publish(client, workspace, "checklist", checklist_doc("setup"))
    hook = add_endpoint(client, workspace, receiver.url, ["survey.answered"])
    answer = {"checklist": "setup", "rating": 4}
    send_events(
        client,
        workspace,
        [ev(f"s{i}", "$survey_answered", f"u{i}", properties=answer) for i in range(5)],
    )
    seen: list[int] = []
    before: int | None = None
    while True:
        query: dict[str, Any] = {"limit": 2, **({"before": before} if before else {})}
        page = client.get(
            f"{HOOKS}/{hook['id']}/deliveries", headers=workspace.auth, params=query
        ).json()
        seen += [d["id"] for d in page["data"]]
        before = page["next_before"]
        if before is None:
            break
    assert len(seen) == 5 and seen == sorted(seen, reverse=True)
    assert deliveries(client, workspace, hook["id"], state="succeeded") == []
    assert len(deliveries(client, workspace, hook["id"], state="pending")) == 5


def test_a_rotation_signs_with_both_secrets_until_finished_or_a_day_passes(
    client, database, workspace, receiver, clock
):
    publish(client, workspace, "checklist", checklist_doc("setup"))
    hook = add_endpoint(client, workspace, receiver.url, ["survey.answered"])
    old = hook["secret"]
    rotated = client.post(f"{HOOKS}/{hook['id']}/secret/rotate", headers=workspace.auth).json()
    new = rotated["secret"]
    assert new != old and rotated["secret_rotating"] is True
    assert rotated["previous_secret_expires_at"] is not None
    worker = make_worker(database, clock)

    def signed_with() -> set[str]:
        request = receiver.requests[-1]
        valid = set()
        for name, secret in (("old", old), ("new", new)):
            try:
                verify_webhook(request.body, request.headers, secret, now=clock.now.timestamp())
                valid.add(name)
            except WebhookVerificationError:
                pass
        return valid

    def answer(event_id: str) -> None:
        body = {"checklist": "setup", "rating": 4}
        send_events(client, workspace, [ev(event_id, "$survey_answered", properties=body)])
        deliver(worker)

    answer("s1")
    assert signed_with() == {"old", "new"}
    assert len(receiver.requests[-1].headers["webhook-signature"].split(" ")) == 2
    clock.advance(timedelta(hours=24, seconds=1))  # the previous secret expires
    answer("s2")
    assert signed_with() == {"new"}
    newer = client.post(f"{HOOKS}/{hook['id']}/secret/rotate", headers=workspace.auth).json()[
        "secret"
    ]
    finished = client.post(
        f"{HOOKS}/{hook['id']}/secret/rotate?finish=true", headers=workspace.auth
    )
    assert finished.status_code == 200 and finished.json()["secret_rotating"] is False
    new = newer
    answer("s3")
    assert signed_with() == {"new"}
    assert len(receiver.requests[-1].headers["webhook-signature"].split(" ")) == 1
