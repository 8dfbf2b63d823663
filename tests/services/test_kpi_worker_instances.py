"""Two instances running the KPI worker on one PostgreSQL database (READ COMMITTED): neither
a mark made meanwhile nor another instance's user of the same company is lost. (Found by a
review with these reproductions.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from shirube.services import kpi_jobs, kpi_refresh_companies, kpi_refresh_users, kpi_worker
from shirube.services.published import PublishedCache
from shirube.storage import Database, tables

from tests.api.helpers import at, ev, publish, rows, send_events


def goal(min_count: int) -> dict[str, Any]:
    rule = {"type": "event", "event": "done", "min_count": min_count}
    return {"key": "g", "name": "G", "rules": [{"id": "r", "rule": rule}]}


@pytest.fixture(autouse=True)
def _postgres_only(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite: one writer at a time")


def pause_in(module: Any, attr: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """In the thread named "B", `module.attr` signals `reached` once done and waits for `go`."""
    reached, go = threading.Event(), threading.Event()
    original = getattr(module, attr)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if threading.current_thread().name == "B" and not reached.is_set():
            reached.set()
            assert go.wait(20)
        return result

    monkeypatch.setattr(module, attr, wrapper)
    return reached, go


def in_thread(work: Callable[[], Any], name: str, errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def test_a_mark_made_while_another_instance_computes_the_user_is_kept(
    client, workspace, database, database_url, monkeypatch
):
    publish(client, workspace, "goal", goal(2))
    send_events(client, workspace, [ev("1", "done", "u1", timestamp=at(1))])
    while job := database.run_sync(kpi_jobs.next_job, transaction=False):
        database.run_sync(lambda c, job=job: kpi_worker.advance_job(c, PublishedCache(4), job))
    reached, go = pause_in(kpi_refresh_users, "load_facts", monkeypatch)
    other, errors = Database(database_url), []
    refresh = kpi_worker.refresh_dirty
    b = in_thread(
        lambda: other.run_sync(lambda c: refresh(c, PublishedCache(4), ahead=kpi_worker.AT_ONCE)),
        "B",
        errors,
    )
    assert reached.wait(20)  # B claimed u1 and read its facts: one `done`
    # Instance A finds nothing to take: B holds u1.
    assert database.run_sync(lambda c: refresh(c, PublishedCache(4), ahead=kpi_worker.AT_ONCE)) == 0
    # The goal is met now; the batch marking u1 again waits for B's transaction.
    sender = in_thread(
        lambda: send_events(client, workspace, [ev("2", "done", "u1", timestamp=at(2))]),
        "C",
        errors,
    )
    time.sleep(0.3)
    go.set()
    b.join(30)
    sender.join(30)
    other.dispose()
    assert not errors, errors
    kpi_worker.drain(database, PublishedCache(4))
    [row] = rows(database, tables.kpi_user, workspace_id=workspace.id, kind="goal")
    assert row.completed_at is not None


def test_two_instances_counting_one_company_take_turns(
    client, workspace, database, database_url, monkeypatch
):
    publish(client, workspace, "goal", goal(1))
    for user in ("u1", "u2"):
        body = {"traits": {}, "company_ids": ["c1"]}
        response = client.put(f"/api/v1/users/{user}", json=body, headers=workspace.auth)
        assert response.status_code in (200, 201)
    kpi_worker.drain(database, PublishedCache(4))
    events = [ev("1", "done", "u1", timestamp=at(1)), ev("2", "done", "u2", timestamp=at(2))]
    send_events(client, workspace, events)
    reached, go = pause_in(kpi_refresh_companies, "onboarded_at", monkeypatch)
    other, errors = Database(database_url), []

    def chunk(db: Database, user: str) -> Callable[[], Any]:
        return lambda: db.run_sync(
            lambda c: kpi_worker._refresh(
                c, PublishedCache(4), workspace.id, [user], companies_too=True
            )
        )

    b = in_thread(chunk(other, "u1"), "B", errors)
    assert reached.wait(20)  # B counts c1 with u1 only so far
    a = in_thread(chunk(database, "u2"), "A", errors)  # waits for B's turn on c1
    time.sleep(0.3)
    go.set()
    b.join(30)
    a.join(30)
    other.dispose()
    assert not errors, errors
    [c1] = rows(database, tables.kpi_company, workspace_id=workspace.id, kind="goal")
    assert (c1.users, c1.completed) == (2, 2)
