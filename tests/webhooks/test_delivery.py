"""The delivery worker against a receiver on this machine: signed requests, the retry
schedule driven by a clock the test moves, giving up, disabling, resending, pausing, claims
that outlive a killed worker, and what is refused (addresses, redirects, slow answers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from shirube.security.outbound import OutboundRules
from shirube.services import webhook_stats as stats
from shirube.services.webhook_deliveries import SCHEDULE, claim_due, next_delay
from shirube.storage import tables
from shirube_sdk import WebhookVerificationError, verify_webhook
from sqlalchemy import update
from starlette.testclient import TestClient

from tests.api.helpers import checklist_doc, count, ev, publish, rows, send_events
from tests.conftest import WorkspaceKeys
from tests.webhooks.conftest import (
    Receiver,
    add_endpoint,
    deliver,
    deliveries,
    make_worker,
    run_async,
)


def _survey(client: TestClient, ws: WorkspaceKeys, event_id: str, user: str = "u1") -> None:
    answer = {"checklist": "setup", "rating": 5, "comment": "ok"}
    send_events(client, ws, [ev(event_id, "$survey_answered", user, properties=answer)])


def _endpoint(client: TestClient, ws: WorkspaceKeys, receiver: Receiver) -> dict[str, Any]:
    publish(client, ws, "checklist", checklist_doc("setup"))
    return add_endpoint(client, ws, receiver.url, ["survey.answered"])


def _endpoint_json(client: TestClient, ws: WorkspaceKeys, endpoint_id: int) -> Any:
    return client.get(f"/api/v1/webhooks/{endpoint_id}", headers=ws.auth).json()


def test_a_delivery_is_signed_as_standard_webhooks_says(
    client, database, workspace, receiver, clock
):
    hook = _endpoint(client, workspace, receiver)
    _survey(client, workspace, "s1")
    assert deliver(make_worker(database, clock)) == 1

    (request,) = receiver.requests
    assert request.path == "/hooks"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-timestamp"] == str(int(clock.now.timestamp()))
    payload = verify_webhook(
        request.body, request.headers, hook["secret"], now=clock.now.timestamp()
    )
    assert payload["type"] == "survey.answered" and payload["data"]["rating"] == 5
    with pytest.raises(WebhookVerificationError):
        verify_webhook(
            request.body + b" ", request.headers, hook["secret"], now=clock.now.timestamp()
        )

    (delivery,) = deliveries(client, workspace, hook["id"])
    assert delivery["webhook_id"] == request.headers["webhook-id"]
    assert delivery["state"] == "succeeded" and delivery["attempt_count"] == 1
    assert delivery["last_attempt"]["status_code"] == 200
    assert delivery["last_attempt"]["duration_ms"] >= 0
    detail = client.get(
        f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}", headers=workspace.auth
    ).json()
    assert [(a["number"], a["status_code"], a["response"]) for a in detail["attempts"]] == [
        (1, 200, "ok")
    ]
    assert deliver(make_worker(database, clock)) == 0  # nothing is due any more


def test_failures_follow_the_schedule_then_give_up_and_disable_the_endpoint(
    client, database, workspace, receiver, clock
):
    hook = _endpoint(client, workspace, receiver)
    receiver.statuses = [500]
    _survey(client, workspace, "s1")
    worker = make_worker(database, clock)
    assert deliver(worker) == 1
    for delay in SCHEDULE[1:]:
        clock.advance(delay - timedelta(seconds=1))
        assert deliver(worker) == 0, delay  # not due yet
        clock.advance(timedelta(seconds=1))
        assert deliver(worker) == 1, delay
    assert len(receiver.requests) == len(SCHEDULE)
    assert len(set(receiver.ids())) == 1  # one webhook-id for every attempt
    assert len({r.headers["webhook-timestamp"] for r in receiver.requests}) == len(SCHEDULE)

    (delivery,) = deliveries(client, workspace, hook["id"])
    assert delivery["state"] == "failed" and delivery["attempt_count"] == len(SCHEDULE)
    assert delivery["next_attempt_at"] is None
    endpoint = _endpoint_json(client, workspace, hook["id"])
    assert endpoint["enabled"] is False
    assert endpoint["disabled"]["reason"] == "failing"
    assert "more than a day" in endpoint["disabled"]["message"]
    # Nothing more goes out, and new events make no delivery while it is disabled.
    clock.advance(timedelta(days=2))
    _survey(client, workspace, "s2")
    assert deliver(worker) == 0
    assert len(deliveries(client, workspace, hook["id"])) == 1


def test_an_endpoint_that_succeeded_within_the_day_is_not_disabled(
    client, database, workspace, receiver, clock
):
    hook = _endpoint(client, workspace, receiver)
    _survey(client, workspace, "doomed", "a")
    receiver.decide = lambda request: 500 if request.json["data"]["user_id"] == "a" else 200
    worker = make_worker(database, clock)
    deliver(worker)
    for delay in SCHEDULE[1:]:
        clock.advance(delay)
        if delay == timedelta(hours=10):
            _survey(client, workspace, f"fine-{clock.now.timestamp()}", "b")  # succeeds
        deliver(worker)
    states = sorted(d["state"] for d in deliveries(client, workspace, hook["id"]))
    assert states == ["failed", "succeeded", "succeeded"]
    assert _endpoint_json(client, workspace, hook["id"])["enabled"] is True


def test_jitter_stretches_or_shrinks_each_delay_by_up_to_a_fifth():
    assert next_delay(0, lambda: 0.0, None) == SCHEDULE[1] * 0.8
    assert next_delay(0, lambda: 1.0, None) == SCHEDULE[1] * 1.2
    assert next_delay(3, lambda: 0.5, None) == SCHEDULE[4]
    assert next_delay(len(SCHEDULE) - 1, lambda: 0.5, None) is None
    # A Retry-After longer than the next delay is honoured, up to the longest delay.
    assert next_delay(0, lambda: 0.5, 3600) == timedelta(hours=1)
    assert next_delay(0, lambda: 0.5, 10**9) == max(SCHEDULE)
    total = sum(SCHEDULE, timedelta())
    assert timedelta(hours=24) < total < timedelta(hours=30)


def test_a_retry_after_answer_postpones_the_next_attempt(
    client, database, workspace, receiver, clock
):
    hook = _endpoint(client, workspace, receiver)
    receiver.statuses = [503, 200]
    receiver.answer_headers = {"Retry-After": "600"}
    _survey(client, workspace, "s1")
    worker = make_worker(database, clock)
    deliver(worker)
    clock.advance(timedelta(seconds=599))
    assert deliver(worker) == 0
    clock.advance(timedelta(seconds=1))
    assert deliver(worker) == 1
    assert deliveries(client, workspace, hook["id"])[0]["state"] == "succeeded"


def test_410_gone_disables_the_endpoint_at_once(client, database, workspace, receiver, clock):
    hook = _endpoint(client, workspace, receiver)
    receiver.statuses = [410]
    _survey(client, workspace, "s1")
    _survey(client, workspace, "s2")
    worker = make_worker(database, clock, concurrency=1)
    deliver(worker)
    endpoint = _endpoint_json(client, workspace, hook["id"])
    assert endpoint["enabled"] is False and endpoint["disabled"]["reason"] == "gone"
    assert len(receiver.requests) == 1
    assert sorted(d["state"] for d in deliveries(client, workspace, hook["id"])) == [
        "paused",
        "paused",
    ]


def test_disabling_pauses_deliveries_and_enabling_resumes_them(
    client, database, workspace, receiver, clock
):
    hook = _endpoint(client, workspace, receiver)
    _survey(client, workspace, "s1")
    path = f"/api/v1/webhooks/{hook['id']}"
    assert client.patch(path, headers=workspace.auth, json={"enabled": False}).status_code == 200
    worker = make_worker(database, clock)
    assert deliver(worker) == 0
    assert deliveries(client, workspace, hook["id"])[0]["state"] == "paused"
    assert _endpoint_json(client, workspace, hook["id"])["disabled"]["reason"] == "owner"
    resend = client.post(
        f"{path}/deliveries/{deliveries(client, workspace, hook['id'])[0]['id']}/resend",
        headers=workspace.auth,
    )
    assert resend.status_code == 409
    assert client.patch(path, headers=workspace.auth, json={"enabled": True}).status_code == 200
    clock.advance(timedelta(seconds=1))
    assert deliver(worker) == 1
    assert deliveries(client, workspace, hook["id"])[0]["state"] == "succeeded"


def test_resend_carries_the_same_webhook_id_and_tries_once_more(
    client, database, workspace, receiver, clock
):
    hook = _endpoint(client, workspace, receiver)
    _survey(client, workspace, "s1")
    worker = make_worker(database, clock)
    deliver(worker)
    (delivery,) = deliveries(client, workspace, hook["id"])
    path = f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/resend"
    answer = client.post(path, headers=workspace.auth)
    assert answer.status_code == 202 and answer.json()["state"] == "pending"
    receiver.statuses = [500]
    deliver(worker)
    assert receiver.ids() == [delivery["webhook_id"]] * 2
    (after,) = deliveries(client, workspace, hook["id"])
    # A finished delivery sent again gets one attempt, not a new schedule.
    assert after["state"] == "failed" and after["attempt_count"] == 2
    clock.advance(timedelta(days=1))
    assert deliver(worker) == 0


def test_loopback_and_private_addresses_are_refused_unless_the_operator_allows_them(
    client, database, workspace, receiver, clock
):
    hook = _endpoint(client, workspace, receiver)
    _survey(client, workspace, "s1")
    deliver(make_worker(database, clock, rules=OutboundRules(allow_http=True)))
    assert receiver.requests == []
    (delivery,) = deliveries(client, workspace, hook["id"])
    assert delivery["last_attempt"]["status_code"] is None
    assert "127.0.0.1 is not allowed (loopback address" in delivery["last_attempt"]["error"]


def test_a_name_is_resolved_once_and_the_checked_address_is_the_one_connected_to(
    client, database, workspace, receiver, clock
):
    port = receiver.url.split(":")[2].split("/")[0]
    publish(client, workspace, "checklist", checklist_doc("setup"))
    hook = add_endpoint(
        client, workspace, f"http://hooks.example.test:{port}/in", ["survey.answered"]
    )
    answers = {"hooks.example.test": ["127.0.0.1"]}
    lookups: list[str] = []

    async def resolver(host: str, _port: int) -> list[str]:
        lookups.append(host)
        return answers[host]

    _survey(client, workspace, "s1")
    deliver(make_worker(database, clock, resolver=resolver))
    (request,) = receiver.requests
    assert request.headers["host"] == f"hooks.example.test:{port}" and lookups == [
        "hooks.example.test"
    ]
    # The name now points somewhere private (rebinding): refused, nothing sent.
    answers["hooks.example.test"] = ["10.0.0.7"]
    _survey(client, workspace, "s2")
    deliver(make_worker(database, clock, resolver=resolver))
    assert len(receiver.requests) == 1
    error = deliveries(client, workspace, hook["id"])[0]["last_attempt"]["error"]
    assert "10.0.0.7 is not allowed (private address" in error


def test_redirects_are_failures_never_followed(client, database, workspace, receiver, clock):
    hook = _endpoint(client, workspace, receiver)
    receiver.statuses = [307]
    receiver.answer_headers = {"Location": "http://169.254.169.254/latest/meta-data"}
    _survey(client, workspace, "s1")
    deliver(make_worker(database, clock))
    assert len(receiver.requests) == 1
    (delivery,) = deliveries(client, workspace, hook["id"])
    assert delivery["state"] == "pending" and delivery["last_attempt"]["status_code"] == 307
    assert "not followed" in delivery["last_attempt"]["error"]


def test_an_endpoint_that_does_not_answer_in_time_fails_the_attempt(
    client, database, workspace, clock, silent_server
):
    url, _ = silent_server
    publish(client, workspace, "checklist", checklist_doc("setup"))
    hook = add_endpoint(client, workspace, url, ["survey.answered"])
    _survey(client, workspace, "s1")
    deliver(make_worker(database, clock, timeout=1))
    (delivery,) = deliveries(client, workspace, hook["id"])
    assert delivery["last_attempt"]["error"] == "no answer within 1 s"
    assert delivery["state"] == "pending" and delivery["last_attempt"]["status_code"] is None


def test_a_claim_of_a_killed_worker_ends_with_its_lease(
    client, database, workspace, receiver, clock
):
    hook = _endpoint(client, workspace, receiver)
    _survey(client, workspace, "s1")
    worker = make_worker(database, clock)
    # A worker claims the delivery and dies before sending it.
    database.run_sync(lambda conn: claim_due(conn, clock.now, 10, worker.lease))
    assert deliver(worker) == 0  # still held
    clock.advance(worker.lease + timedelta(seconds=1))
    assert deliver(worker) == 1
    (delivery,) = deliveries(client, workspace, hook["id"])
    assert delivery["state"] == "succeeded" and delivery["attempt_count"] == 2
    assert len(receiver.requests) == 1


def test_a_delivery_whose_endpoint_is_gone_is_dropped(client, database, workspace, receiver, clock):
    _endpoint(client, workspace, receiver)
    _survey(client, workspace, "s1")
    database.run_sync(
        lambda conn: conn.run(update(tables.webhook_delivery).values(endpoint_id=999_999))
    )
    assert deliver(make_worker(database, clock)) == 0
    assert count(database, tables.webhook_delivery) == 0 and receiver.requests == []


def test_the_log_keeps_finished_deliveries_for_the_retention_days(
    client, database, workspace, receiver, clock
):
    hook = _endpoint(client, workspace, receiver)
    _survey(client, workspace, "s1")
    worker = make_worker(database, clock, retention=timedelta(days=30))
    deliver(worker)
    _survey(client, workspace, "s2")  # still pending when the old one goes
    clock.advance(timedelta(days=31))
    run_async(worker._prune_now_and_then)
    left = deliveries(client, workspace, hook["id"])
    assert [d["state"] for d in left] == ["pending"]
    assert count(database, tables.webhook_attempt) == 0


def test_an_answer_body_is_kept_short_and_storable(client, database, workspace, receiver, clock):
    hook = _endpoint(client, workspace, receiver)
    receiver.answer_body = b"\x00bad" + "é".encode() * 2000
    _survey(client, workspace, "s1")
    deliver(make_worker(database, clock))
    (delivery,) = deliveries(client, workspace, hook["id"])
    detail = client.get(
        f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}", headers=workspace.auth
    ).json()
    response = detail["attempts"][0]["response"]
    assert response.startswith("\ufffdbad") and len(response) <= 1000


def test_rows_of_the_attempts_table_belong_to_their_workspace(
    client, database, workspace, receiver, clock
):
    _endpoint(client, workspace, receiver)
    _survey(client, workspace, "s1")
    deliver(make_worker(database, clock))
    assert {row.workspace_id for row in rows(database, tables.webhook_attempt)} == {workspace.id}


def test_the_outbox_figures_for_monitoring(client, database, workspace, receiver, clock):
    hook = _endpoint(client, workspace, receiver)
    other = add_endpoint(client, workspace, receiver.url + "/gone", ["survey.answered"])

    def figures() -> tuple[int, int, int, int]:
        return database.run_sync(
            lambda conn: (
                stats.queue_depth(conn),
                stats.due_count(conn, clock.now),
                stats.failed_count(conn),
                stats.disabled_endpoint_count(conn),
            )
        )

    assert figures() == (0, 0, 0, 0)
    _survey(client, workspace, "s1")
    _survey(client, workspace, "s2", "u2")
    assert figures() == (4, 4, 0, 0)
    receiver.decide = lambda request: 410 if request.path.endswith("/gone") else 500
    worker = make_worker(database, clock, concurrency=1)  # one at a time: a fixed order
    deliver(worker)
    # Two waiting for their retry (not due yet); the other endpoint's two paused by its 410.
    assert figures() == (2, 0, 0, 1)
    for delay in SCHEDULE[1:]:
        clock.advance(delay)
        deliver(worker)
    # The first to fail its last attempt disabled the endpoint, which paused the other.
    assert figures() == (0, 0, 1, 2)
    assert _endpoint_json(client, workspace, hook["id"])["disabled"]["reason"] == "failing"
    assert _endpoint_json(client, workspace, other["id"])["disabled"]["reason"] == "gone"
