"""Gauges read from the database when scraped (where the webhooks' queue plugs in): one unit
of work for all of them, kept for a few seconds, whatever the number of scrapes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from shirube.observability.database_gauges import DatabaseGauges
from shirube.storage import tables
from sqlalchemy import func, select

from tests.observability.conftest import scrape, value

WORKSPACES = select(func.count()).select_from(tables.workspace)


def _run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    """In a thread of its own: the browser tests leave an event loop running in this one."""

    async def main() -> Any:
        return await scenario()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_registered_gauges_are_read_once_per_max_age(database, workspace, other_workspace):
    clock = Clock()
    gauges = DatabaseGauges(database, max_age=5.0, clock=clock)
    reads: list[str] = []

    def workspaces(conn):
        reads.append("workspaces")
        return conn.scalar(WORKSPACES)

    def by_state(conn):
        reads.append("by_state")
        return {("pending",): 3, ("failed",): 1}

    gauges.register("shirube_test_workspaces", "Workspaces.", workspaces)
    gauges.register("shirube_test_queue", "Queue.", by_state, labels=("state",))
    with pytest.raises(ValueError, match="registered already"):
        gauges.register("shirube_test_queue", "Again.", by_state)

    async def scrapes(count: int) -> None:
        await asyncio.gather(*(gauges.refresh() for _ in range(count)))

    _run(lambda: scrapes(5))
    assert reads == ["workspaces", "by_state"]  # five scrapes at once: one read
    clock.now += 4.9
    _run(lambda: scrapes(1))
    assert len(reads) == 2
    clock.now += 0.2
    _run(lambda: scrapes(1))
    assert len(reads) == 4
    families = {family.name: family for family in gauges.collect()}
    assert families["shirube_database_gauges_ok"].samples[0].value == 1
    assert families["shirube_test_workspaces"].samples[0].value == 2
    queue = {s.labels["state"]: s.value for s in families["shirube_test_queue"].samples}
    assert queue == {"pending": 3, "failed": 1}


def test_a_failed_read_shows_no_figure_and_says_so(database):
    clock = Clock()
    gauges = DatabaseGauges(database, max_age=5.0, clock=clock)
    calls = 0

    def broken(conn):
        nonlocal calls
        calls += 1
        raise RuntimeError("no such table")

    gauges.register("shirube_test_broken", "Broken.", broken)
    _run(gauges.refresh)
    _run(gauges.refresh)
    assert calls == 1  # not retried before max_age
    families = {family.name: family for family in gauges.collect()}
    assert families["shirube_database_gauges_ok"].samples[0].value == 0
    assert "shirube_test_broken" not in families


def test_the_webhooks_figures_are_read_from_the_outbox(client, workspace):
    samples = scrape(client)
    assert value(samples, "shirube_database_gauges_ok") == 1
    for name in (
        "shirube_webhook_queue_depth",
        "shirube_webhook_deliveries_due",
        "shirube_webhook_deliveries_failed",
        "shirube_webhook_endpoints_disabled",
    ):
        assert samples[name] == {(): 0.0}, name


def test_gauges_registered_on_the_app_are_scraped(app, client, workspace):
    app.state.shirube.metrics.database_gauges.register(
        "shirube_test_workspaces", "Workspaces.", lambda conn: conn.scalar(WORKSPACES)
    )
    samples = scrape(client)
    assert value(samples, "shirube_database_gauges_ok") == 1
    assert value(samples, "shirube_test_workspaces") == 1
