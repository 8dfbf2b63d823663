"""Workers as the app runs them: several on one PostgreSQL database deliver each webhook once;
a delivery committed by a process that died before sending goes out when the next one starts;
an attempt in flight never holds up the event loop; a cancelled worker stops even as its bell
rings."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace
from typing import Any

import pytest
from shirube.app import create_app
from shirube.services.webhook_deliveries import claim_due
from shirube.services.webhook_worker import Doorbell
from shirube.settings import Settings
from shirube.storage import Database
from starlette.testclient import TestClient

from tests.api.helpers import checklist_doc, ev, publish, send_events
from tests.conftest import WorkspaceKeys
from tests.webhooks.conftest import add_endpoint, deliveries, make_worker


def _answers(client: TestClient, ws: WorkspaceKeys, n: int) -> None:
    answer = {"checklist": "setup", "rating": 4}
    for start in range(0, n, 10):
        batch = [
            ev(f"s{i}", "$survey_answered", f"u{i}", properties=answer)
            for i in range(start, min(n, start + 10))
        ]
        send_events(client, ws, batch)


def _wait_for(condition: Any, seconds: float = 20) -> None:
    """Polls until `condition()` (the worker runs in the background); fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the background worker did not get there")
        time.sleep(0.05)


@pytest.mark.postgres
def test_two_workers_on_one_database_deliver_each_webhook_once(
    client, database, workspace, receiver, clock
):
    if database.is_sqlite:
        pytest.skip("several instances share PostgreSQL")
    publish(client, workspace, "checklist", checklist_doc("setup"))
    hook = add_endpoint(client, workspace, receiver.url, ["survey.answered"])
    _answers(client, workspace, 60)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def instance() -> None:
        db = Database(database.url, inline=False)  # its own connections, like another process
        try:
            worker = make_worker(db, clock, concurrency=4)
            barrier.wait(timeout=10)
            asyncio.run(worker.deliver_due())
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=instance) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ids = receiver.ids()
    assert len(ids) == 60 and len(set(ids)) == 60
    found = deliveries(client, workspace, hook["id"], limit=100)
    assert {d["state"] for d in found} == {"succeeded"}
    assert {d["attempt_count"] for d in found} == {1}


def test_a_delivery_committed_before_a_crash_is_sent_by_the_next_start(
    settings: Settings, database, workspace, receiver
):
    # The first process commits the outbox rows and dies before any worker sends them (it runs
    # none here).
    with TestClient(create_app(settings, database)) as first:
        publish(first, workspace, "checklist", checklist_doc("setup"))
        hook = add_endpoint(first, workspace, receiver.url, ["survey.answered"])
        _answers(first, workspace, 3)
    assert receiver.requests == []
    # The next process starts its worker with the app and delivers them.
    with TestClient(create_app(replace(settings, webhook_worker=True), database)) as second:
        _wait_for(lambda: len(receiver.requests) >= 3)
        _wait_for(
            lambda: {d["state"] for d in deliveries(second, workspace, hook["id"])} == {"succeeded"}
        )
    assert sorted(r.json["data"]["user_id"] for r in receiver.requests) == ["u0", "u1", "u2"]


def test_a_batch_wakes_the_worker_of_its_process(settings: Settings, database, workspace, receiver):
    with TestClient(create_app(replace(settings, webhook_worker=True), database)) as client:
        publish(client, workspace, "checklist", checklist_doc("setup"))
        add_endpoint(client, workspace, receiver.url, ["survey.answered"])
        _answers(client, workspace, 1)
        _wait_for(lambda: len(receiver.requests) == 1)


def test_an_attempt_in_flight_holds_up_no_request(
    settings: Settings, database, workspace: WorkspaceKeys, silent_server
):
    url, connected = silent_server
    slow = replace(settings, webhook_worker=True, webhook_timeout_seconds=5)
    with TestClient(create_app(slow, database)) as client:
        publish(client, workspace, "checklist", checklist_doc("setup"))
        hook = add_endpoint(client, workspace, url, ["survey.answered"])
        _answers(client, workspace, 1)
        assert connected.wait(10)  # the worker is waiting for an answer that does not come
        (delivery,) = deliveries(client, workspace, hook["id"])
        assert delivery["last_attempt"] is None  # still in flight while we were answered
        assert client.get("/healthz").status_code == 200


@pytest.mark.postgres
def test_a_claim_skips_the_rows_another_instance_is_claiming(
    client, database, workspace, receiver, clock
):
    """While one instance's claim is not committed yet, another's takes other rows at once
    (FOR UPDATE SKIP LOCKED): it neither waits nor claims the same ones."""
    if database.is_sqlite:
        pytest.skip("SQLite's write lock serializes claims")
    publish(client, workspace, "checklist", checklist_doc("setup"))
    add_endpoint(client, workspace, receiver.url, ["survey.answered"])
    _answers(client, workspace, 10)
    lease = make_worker(database, clock).lease
    first_db, second_db = Database(database.url, inline=False), Database(database.url, inline=False)
    holding, release = threading.Event(), threading.Event()
    claimed: dict[str, list[int]] = {}

    def first(conn: Any) -> None:
        claimed["first"] = [d.id for d in claim_due(conn, clock.now, 5, lease)[1]]
        holding.set()
        release.wait(20)  # the transaction stays open meanwhile

    thread = threading.Thread(target=lambda: first_db.run_sync(first))
    thread.start()
    try:
        assert holding.wait(10)
        second = threading.Thread(
            target=lambda: claimed.setdefault(
                "second",
                [d.id for d in second_db.run_sync(lambda c: claim_due(c, clock.now, 10, lease))[1]],
            )
        )
        second.start()
        second.join(10)
        assert not second.is_alive(), "the second claim waited for the first"
    finally:
        release.set()
        thread.join()
        first_db.dispose()
        second_db.dispose()
    assert len(claimed["first"]) == 5 and len(claimed["second"]) == 5
    assert not set(claimed["first"]) & set(claimed["second"])


def test_the_doorbell_wait_stops_when_cancelled_as_it_rings() -> None:
    """Shutdown cancels the worker while an attempt finishing rings its bell: the wait must end
    with the cancellation (asyncio.wait_for on Python 3.11 returned instead, and the worker
    looped on while the app waited for it)."""

    async def scenario() -> bool:
        bell = Doorbell()
        bell.bind()

        async def worker() -> None:
            while True:
                await bell.wait(5)

        task = asyncio.create_task(worker())
        await asyncio.sleep(0.01)
        bell.ring()
        task.cancel()
        for _ in range(3):  # later rings must not keep it alive either
            await asyncio.sleep(0.01)
            bell.ring()
        done, _ = await asyncio.wait({task}, timeout=2)
        return task in done and task.cancelled()

    # A thread of its own: the browser tests leave an event loop running in this one.
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(scenario())))
    thread.start()
    thread.join(timeout=10)
    assert result == [True]
