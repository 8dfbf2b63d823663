"""`track()` against the live server: batches stored exactly once, shutdown delivers, bad
events cost only themselves, a full queue drops without waiting."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from shirube_sdk import (
    ClientClosedError,
    InvalidEventError,
    QueueFullError,
    ShirubeError,
    ValidationError,
)

from tests.sdk.live_server import HOST, LiveServer, Workspace

Reported = list[tuple[ShirubeError, list[dict[str, Any]]]]


def exactly_once(server: LiveServer, workspace: Workspace, user_id: str, ids: list[str]) -> None:
    stored = Counter(server.stored_event_ids(workspace, user_id))
    assert sorted(stored) == sorted(ids)
    assert set(stored.values()) == {1}


def test_batches_closed_by_count_and_bytes_store_each_event_once(
    live_server: LiveServer, workspace: Workspace, make_client: Any, user_id: str
) -> None:
    reported: Reported = []
    client = make_client(
        batch_size=7, max_batch_bytes=2048, on_error=lambda e, ev: reported.append((e, ev))
    )
    ids = [
        client.track(user_id, "clocked_in", {"n": n, "pad": "x" * (n % 300)}) for n in range(120)
    ]
    assert len(set(ids)) == 120
    assert client.flush(timeout=30)
    assert reported == []
    exactly_once(live_server, workspace, user_id, ids)


def test_given_ids_and_timestamps_are_kept_and_resending_them_is_harmless(
    live_server: LiveServer, workspace: Workspace, make_client: Any, user_id: str
) -> None:
    client = make_client()
    when = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for _ in range(3):
        client.track(
            user_id, "employees_imported", {"count": 120}, timestamp=when, event_id=f"{user_id}-imp"
        )
        assert client.flush(timeout=30)
    exactly_once(live_server, workspace, user_id, [f"{user_id}-imp"])


def test_shutdown_delivers_what_is_queued_then_drops(
    live_server: LiveServer, workspace: Workspace, make_client: Any, user_id: str
) -> None:
    reported: Reported = []
    client = make_client(flush_interval=60, on_error=lambda e, ev: reported.append((e, ev)))
    ids = [client.track(user_id, "page_viewed") for _ in range(250)]
    assert client.shutdown(timeout=30)
    exactly_once(live_server, workspace, user_id, ids)
    late = client.track(user_id, "too_late")
    assert [(type(e), [x["id"] for x in ev]) for e, ev in reported] == [(ClientClosedError, [late])]


def test_a_bad_event_is_reported_and_the_rest_of_its_batch_is_stored(
    live_server: LiveServer, workspace: Workspace, make_client: Any, user_id: str
) -> None:
    reported: Reported = []
    client = make_client(flush_interval=60, on_error=lambda e, ev: reported.append((e, ev)))
    good = [client.track(user_id, "ok", {"n": n}) for n in range(5)]
    bad_name = client.track(user_id, "bad/name")
    bad_props = client.track(user_id, "$survey_answered", {"checklist": "setup", "rating": 9})
    not_json = client.track(user_id, "ok", {"value": float("nan")})
    good.append(client.track(user_id, "ok", {"n": 5}))
    assert client.flush(timeout=30)
    exactly_once(live_server, workspace, user_id, good)
    by_id = {ev[0]["id"]: error for error, ev in reported}
    assert set(by_id) == {bad_name, bad_props, not_json}
    assert isinstance(by_id[not_json], InvalidEventError)
    for event_id in (bad_name, bad_props):
        error = by_id[event_id]
        assert isinstance(error, ValidationError) and error.status == 422
        assert error.fields and error.fields[0].path.startswith("events[")


def test_full_queue_drops_without_blocking_and_reports_each_event() -> None:
    """The server accepts the connection and never answers: the sender is stuck in its first
    request, the queue fills up, and every further track() returns at once with a drop."""
    from shirube_sdk import Client

    with socket.socket() as silent:
        silent.bind((HOST, 0))
        silent.listen(16)
        reported: Reported = []
        client = Client(
            f"http://{HOST}:{silent.getsockname()[1]}",
            "sk_test",
            batch_size=1,
            max_queue_size=5,
            max_retries=0,
            timeout=30,
            on_error=lambda e, ev: reported.append((e, ev)),
        )
        ids = [client.track("u-1", "clicked", {"n": n}) for n in range(50)]
        dropped = [ev[0]["id"] for e, ev in reported if isinstance(e, QueueFullError)]
        # At most one event in the sender's hands and five in the queue.
        assert len(dropped) >= 44
        assert len(set(dropped)) == len(dropped) and set(dropped) <= set(ids)
        assert not set(ids[:5]) & set(dropped)  # the first five always fit
    client.shutdown(timeout=0.1)  # the listener is closed: the stuck request fails at once


def test_event_ids_are_uuid4_hex() -> None:
    import uuid

    from shirube_sdk.events import new_event_id

    ids = {new_event_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(uuid.UUID(hex=i).version == 4 and uuid.UUID(hex=i).hex == i for i in ids)


def run_script(server: LiveServer, workspace: Workspace, source: str) -> None:
    env = {**os.environ, "SHIRUBE_URL": server.url, "SHIRUBE_SECRET_KEY": workspace.secret_key}
    done = subprocess.run([sys.executable, "-c", source], env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()


def test_interpreter_exit_delivers_what_is_queued(
    live_server: LiveServer, workspace: Workspace, user_id: str
) -> None:
    script = f"""
import os
from shirube_sdk import Client
client = Client(os.environ["SHIRUBE_URL"], os.environ["SHIRUBE_SECRET_KEY"], flush_interval=60)
for n in range(40):
    client.track({user_id!r}, "clocked_in", event_id=f"{user_id}-{{n}}")
"""  # no flush(), no shutdown(): the atexit hook must deliver
    run_script(live_server, workspace, script)
    exactly_once(live_server, workspace, user_id, [f"{user_id}-{n}" for n in range(40)])


def test_a_forked_child_gets_a_sender_of_its_own(
    live_server: LiveServer, workspace: Workspace, user_id: str
) -> None:
    script = f"""
import os
from shirube_sdk import Client
client = Client(os.environ["SHIRUBE_URL"], os.environ["SHIRUBE_SECRET_KEY"])
client.track({user_id!r}, "parent_before_fork", event_id="{user_id}-parent")
client.flush()
pid = os.fork()
role = "child" if pid == 0 else "parent"
client.track({user_id!r}, "after_fork", event_id=f"{user_id}-{{role}}-after")
if pid == 0:
    client.shutdown()
    os._exit(0)
os.waitpid(pid, 0)
"""
    run_script(live_server, workspace, script)
    exactly_once(
        live_server,
        workspace,
        user_id,
        [f"{user_id}-parent", f"{user_id}-child-after", f"{user_id}-parent-after"],
    )
