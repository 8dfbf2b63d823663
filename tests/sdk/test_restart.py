"""The server dies (SIGKILL) while the SDK is flushing a backlog, and comes back on the same
port: every event arrives exactly once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from shirube_sdk import Client, ShirubeError

from tests.conftest import scratch_postgres_database
from tests.sdk.live_server import LiveServer, running_server

TOTAL = 2000


def wait_for(condition: Callable[[], bool], what: str, limit_s: float = 60) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.005)


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    if request.param == "sqlite":
        with running_server(f"sqlite:///{tmp_path / 'shirube.db'}", tmp_path) as live:
            yield live
        return
    with scratch_postgres_database() as url, running_server(url, tmp_path) as live:
        yield live


def test_server_killed_mid_flush_and_restarted_every_event_arrives_once(server: LiveServer) -> None:
    workspace = server.create_workspace("Restart")
    reported: list[tuple[ShirubeError, list[dict[str, Any]]]] = []
    client = Client(
        server.url,
        workspace.secret_key,
        batch_size=10,
        flush_interval=0.05,
        max_queue_size=TOTAL,
        max_retries=60,
        retry_base_delay=0.05,
        max_retry_delay=0.5,
        timeout=5,
        on_error=lambda error, events: reported.append((error, events)),
    )
    user_id = f"restart-{uuid.uuid4().hex[:8]}"
    ids = [client.track(user_id, "clocked_in", {"n": n}) for n in range(TOTAL)]

    def stored() -> list[str]:
        return server.stored_event_ids(workspace, user_id)

    wait_for(lambda: len(stored()) >= 100, "the first batches")
    server.stop(kill=True)
    stored_while_down = len(stored())
    assert stored_while_down < TOTAL, "the flush had finished before the server was killed"
    server.start()

    assert client.flush(timeout=120)
    client.shutdown()
    assert reported == []
    counts = Counter(stored())
    assert sorted(counts) == sorted(ids)
    assert set(counts.values()) == {1}
