"""What the webhook tests share: a receiver on this machine that records what it is sent and
answers as told, a clock the tests move by hand, and a worker driven by them."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest
from shirube.security.outbound import OutboundRules, parse_networks
from shirube.services.webhook_worker import WebhookWorker
from shirube.settings import Settings
from shirube.storage import Database
from shirube.timeutil import utcnow
from starlette.testclient import TestClient

from tests.conftest import SECRET, WorkspaceKeys

T = TypeVar("T")

# The receiver listens on loopback, which webhooks may reach only when the operator allows it.
LOCAL = OutboundRules(allow_http=True, allowed_networks=parse_networks("127.0.0.0/8"))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each request with `decide(request)` if set, else the next status of `statuses`
    (the last one once they run out), with the headers of `answer_headers`."""

    url: str
    statuses: list[int] = field(default_factory=lambda: [200])
    decide: Callable[[Received], int] | None = None
    answer_headers: dict[str, str] = field(default_factory=dict)
    answer_body: bytes = b"ok"
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def ids(self) -> list[str]:
        return [request.headers["webhook-id"] for request in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            recv = state["receiver"]
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            headers = {key.lower(): value for key, value in self.headers.items()}
            received = Received(self.path, headers, body)
            with recv.lock:
                recv.requests.append(received)
            status = recv.decide(received) if recv.decide else recv.next_status()
            self.send_response(status)
            for key, value in recv.answer_headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(recv.answer_body)))
            self.end_headers()
            self.wfile.write(recv.answer_body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["receiver"]
    finally:
        server.shutdown()
        server.server_close()


class Clock:
    """Starts a second from now (deliveries enqueued now are due) and moves when told."""

    def __init__(self) -> None:
        self.now = utcnow() + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_worker(database: Database, clock: Clock, **kwargs: Any) -> WebhookWorker:
    kwargs.setdefault("timeout", 10)  # generous: a loaded CI machine answers slowly
    kwargs.setdefault("retention", timedelta(days=30))
    kwargs.setdefault("random", lambda: 0.5)  # no jitter: the schedule's own delays
    return WebhookWorker(database, kwargs.pop("rules", LOCAL), clock=clock, **kwargs)


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to its end in a thread of its own, with its own event loop: the test's
    thread may have one running already (Playwright's, in a whole-suite run)."""
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(asyncio.run(make()))
        except BaseException as exc:  # raised again in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]


def deliver(worker: WebhookWorker) -> int:
    """Every delivery due at the worker's clock, attempted now."""
    return run_async(worker.deliver_due)


def add_endpoint(
    client: TestClient, ws: WorkspaceKeys, url: str, kinds: list[str], **extra: Any
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/webhooks", headers=ws.auth, json={"url": url, "kinds": kinds, **extra}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def deliveries(
    client: TestClient, ws: WorkspaceKeys, endpoint_id: int, **query: Any
) -> list[dict[str, Any]]:
    response = client.get(
        f"/api/v1/webhooks/{endpoint_id}/deliveries", headers=ws.auth, params=query
    )
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The app allows the loopback receiver (http, 127.0.0.0/8), as an operator would a
    receiver on its own network; it runs no worker of its own (tests drive one)."""
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        env="test",
        webhook_allow_http=True,
        webhook_allow_networks=("127.0.0.0/8",),
    )


@pytest.fixture
def silent_server() -> Any:
    """Accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    connected = threading.Event()
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)
            connected.set()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/slow", connected
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()
