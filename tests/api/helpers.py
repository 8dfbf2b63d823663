"""Small helpers shared by the API tests: content documents, calls to the server and widget
APIs, error-shape checks and direct reads of the database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from shirube.services.ingest import IngestResult, NewEvent, ingest_batch
from shirube.services.published import PublishedContent, load_published
from shirube.storage import Database, tables
from sqlalchemy import Table, select, update
from starlette.testclient import TestClient

from tests.conftest import ORIGIN, WorkspaceKeys

BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
KINDS = {
    "tour": "tours",
    "checklist": "checklists",
    "goal": "goals",
    "resource_center": "resource_centers",
}


def at(seconds: float = 0) -> str:
    """An ISO-8601 UTC timestamp `seconds` after BASE_TIME."""
    return iso(BASE_TIME + timedelta(seconds=seconds))


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def moment(seconds: float = 0) -> datetime:
    return BASE_TIME + timedelta(seconds=seconds)


# Content ------------------------------------------------------------------------------------


def tour_doc(
    key: str = "welcome", steps: tuple[str, ...] = ("s1", "s2", "s3"), **extra: Any
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "key": key,
        "name": f"Tour {key}",
        "steps": [{"id": step, "kind": "modal", "title": f"Step {step}"} for step in steps],
    }
    doc.update(extra)
    return doc


def item(item_id: str, completion: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "title": f"Item {item_id}", "completion": completion, **extra}


def event_item(item_id: str, event: str, min_count: int | None = None) -> dict[str, Any]:
    completion: dict[str, Any] = {"type": "event", "event": event}
    if min_count is not None:
        completion["min_count"] = min_count
    return item(item_id, completion)


def tour_item(item_id: str, tour: str) -> dict[str, Any]:
    return item(item_id, {"type": "tour_completed", "tour": tour})


def page_item(item_id: str, page: str) -> dict[str, Any]:
    return item(item_id, {"type": "page_visited", "page": page})


def manual_item(item_id: str) -> dict[str, Any]:
    return item(item_id, {"type": "manual"})


def checklist_doc(
    key: str = "setup", items: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "key": key,
        "title": f"Checklist {key}",
        "items": items or [manual_item("read-guide")],
    }
    doc.update(extra)
    return doc


def put_draft(
    client: TestClient, ws: WorkspaceKeys, kind: str, doc: dict[str, Any]
) -> dict[str, Any]:
    response = client.put(f"/api/v1/{KINDS[kind]}/{doc['key']}", json=doc, headers=ws.auth)
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def publish(client: TestClient, ws: WorkspaceKeys, kind: str, doc: dict[str, Any]) -> int:
    """Save `doc` as the draft of a tour or checklist and publish it; return the version."""
    put_draft(client, ws, kind, doc)
    response = client.post(f"/api/v1/{KINDS[kind]}/{doc['key']}/publish", headers=ws.auth)
    assert response.status_code == 200, response.text
    version: int = response.json()["version"]
    return version


# Server API ---------------------------------------------------------------------------------


def ev(event_id: str, name: str, user_id: str = "u1", **fields: Any) -> dict[str, Any]:
    """A server-API event; keyword arguments become its other fields (properties, timestamp…)."""
    return {"id": event_id, "name": name, "user_id": user_id, **fields}


def wev(event_id: str, name: str, **fields: Any) -> dict[str, Any]:
    """A widget-API event (no user_id)."""
    return {"id": event_id, "name": name, **fields}


def send_events(
    client: TestClient, ws: WorkspaceKeys, events: list[dict[str, Any]], expect: int = 200
) -> dict[str, Any]:
    response = client.post("/api/v1/events", json={"events": events}, headers=ws.auth)
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


def progress(client: TestClient, ws: WorkspaceKeys, user_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/users/{user_id}/progress", headers=ws.auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# Widget API ---------------------------------------------------------------------------------


def post_session(
    client: TestClient,
    public_key: str,
    user_id: str = "u1",
    *,
    origin: str | None = ORIGIN,
    **body: Any,
) -> Any:
    headers = {"Origin": origin} if origin is not None else {}
    payload = {"public_key": public_key, "user_id": user_id, **body}
    return client.post("/api/v1/widget/session", json=payload, headers=headers)


def open_session(
    client: TestClient, ws: WorkspaceKeys, user_id: str = "u1", **body: Any
) -> dict[str, Any]:
    response = post_session(client, ws.public_key, user_id, **body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def post_widget_events(
    client: TestClient, token: str, events: list[dict[str, Any]], *, origin: str | None = ORIGIN
) -> Any:
    headers = {"Origin": origin} if origin is not None else {}
    return client.post(
        "/api/v1/widget/events", json={"token": token, "events": events}, headers=headers
    )


def widget_send(
    client: TestClient, token: str, events: list[dict[str, Any]], expect: int = 200
) -> dict[str, Any]:
    response = post_widget_events(client, token, events)
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


def by_key(entries: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    return next((entry for entry in entries if entry["key"] == key), None)


def keys(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["key"] for entry in entries]


# Identity tokens ----------------------------------------------------------------------------


def identity_token(secret: str, sub: str = "u1", *, ttl: int = 300, **claims: Any) -> str:
    payload: dict[str, Any] = {"sub": sub, "exp": int(time.time()) + ttl, **claims}
    return jwt.encode(payload, secret, algorithm="HS256")


# Errors -------------------------------------------------------------------------------------


def assert_error(
    response: Any, status: int, code: str, paths: list[str] | None = None
) -> dict[str, Any]:
    """Check the one error shape; `paths`, when given, must equal the fields' paths in order.
    The request id is the one the answer's header gives."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields", "request_id"}, error
    assert error["request_id"] == response.headers["x-request-id"], error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["fields"], list)
    for entry in error["fields"]:
        assert set(entry) == {"path", "message"}, entry
        assert isinstance(entry["path"], str) and isinstance(entry["message"], str)
    if paths is not None:
        assert [entry["path"] for entry in error["fields"]] == paths, error
    result: dict[str, Any] = error
    return result


def field_message(error: dict[str, Any], path: str) -> str:
    for entry in error["fields"]:
        if entry["path"] == path:
            message: str = entry["message"]
            return message
    raise AssertionError(f"no field error at {path!r}: {error}")


# Database -----------------------------------------------------------------------------------


def rows(database: Database, table: Table, **where: Any) -> list[Any]:
    """Every row of `table` whose columns equal the keyword arguments."""
    statement = select(table)
    for name, value in where.items():
        statement = statement.where(table.c[name] == value)
    return database.run_sync(lambda conn: conn.all(statement), transaction=False)


def count(database: Database, table: Table, **where: Any) -> int:
    return len(rows(database, table, **where))


def update_workspace(database: Database, workspace_id: int, **values: Any) -> None:
    statement = update(tables.workspace).where(tables.workspace.c.id == workspace_id)
    database.run_sync(lambda conn: conn.run(statement.values(values)))


# Concurrent writers -------------------------------------------------------------------------


def published_now(database: Database, workspace_id: int) -> PublishedContent:
    """The workspace's published content as ingestion sees it."""
    statement = select(tables.workspace.c.content_revision).where(
        tables.workspace.c.id == workspace_id
    )
    revision = database.run_sync(lambda conn: conn.scalar(statement))
    return database.run_sync(lambda conn: load_published(conn, workspace_id, revision))


def run_writers(
    url: str,
    workspace_id: int,
    published: PublishedContent,
    plans: list[list[list[NewEvent]]],
    source: str = "server",
    watch: Callable[[Database], None] | None = None,
) -> list[list[IngestResult]]:
    """Each plan is one writer's batches, sent in order from its own thread and engine; all
    writers start together. `watch`, if given, runs in one more thread until they finish."""
    barrier = threading.Barrier(len(plans) + (1 if watch else 0))
    done = threading.Event()
    results: list[list[IngestResult]] = [[] for _ in plans]
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        db = Database(url, inline=False)
        try:
            barrier.wait(timeout=10)
            for batch in plans[index]:
                results[index].append(
                    db.run_sync(
                        lambda conn, batch=batch: ingest_batch(
                            conn, workspace_id, batch, source, published
                        )
                    )
                )
        except BaseException as exc:  # reported by the caller's assertion
            errors.append(exc)
        finally:
            db.dispose()

    def watcher() -> None:
        assert watch is not None
        db = Database(url, inline=False)
        try:
            barrier.wait(timeout=10)
            while not done.is_set():
                watch(db)
                time.sleep(0.001)
            watch(db)
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(len(plans))]
    watch_thread = threading.Thread(target=watcher) if watch else None
    for thread in [*threads, *([watch_thread] if watch_thread else [])]:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    done.set()
    if watch_thread:
        watch_thread.join(timeout=60)
    assert not errors, errors
    return results
