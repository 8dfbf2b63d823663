"""The webhook side of the deployment tests: a receiver on this machine that records every
message it is sent (two instances' workers deliver to it), and the check that each message
the database holds arrived, signed, once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from shirube_sdk import verify_webhook

if TYPE_CHECKING:
    from tests.deploy.conftest import Cluster

# What the instances need to deliver to a receiver on loopback over http (docs/webhooks.md).
INSTANCE_ENV = {
    "SHIRUBE_WEBHOOK_ALLOW_HTTP": "true",
    "SHIRUBE_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
    # A short attempt: a claim held by a killed instance ends 30 s after it (the lease margin).
    "SHIRUBE_WEBHOOK_TIMEOUT_SECONDS": "2",
}
KINDS = ["checklist.completed", "tour.completed", "survey.answered"]


@dataclass(frozen=True)
class Received:
    message_id: str
    at: float
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver._lock:
                    receiver.received.append(
                        Received(headers.get("webhook-id", ""), time.time(), headers, body)
                    )
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.received)


@dataclass
class WebhookCheck:
    """Subscribes a receiver before the load; afterwards, every delivery the outbox holds
    reached it, signed with the endpoint's secret, once: twice only for a message a killed
    instance was sending when it died (at least once: its claim ends with its lease and the
    other instance sends it again)."""

    receiver: Receiver = field(default_factory=Receiver)
    endpoint_id: int | None = None
    secret: str = ""

    def subscribe(self, cluster: Cluster) -> None:
        url = self.receiver.start()
        reply = cluster.server_api(
            "POST", cluster.lb, "/api/v1/webhooks", {"url": url, "kinds": KINDS}
        )
        assert reply.status == 201, reply.body
        created = reply.json()
        self.endpoint_id, self.secret = created["id"], created["secret"]

    def assert_delivered_once(self, cluster: Cluster, killed_at: float) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and cluster.scalar(
            "SELECT count(*) FROM webhook_delivery WHERE workspace_id = :ws"
            " AND endpoint_id = :e AND state <> 'succeeded'",
            e=self.endpoint_id,
        ):
            time.sleep(0.2)
        stored = {
            message_id: kind
            for message_id, kind in cluster.rows(
                "SELECT message_id, kind FROM webhook_delivery"
                " WHERE workspace_id = :ws AND endpoint_id = :e AND state = 'succeeded'",
                e=self.endpoint_id,
            )
        }
        total = cluster.scalar(
            "SELECT count(*) FROM webhook_delivery WHERE workspace_id = :ws AND endpoint_id = :e",
            e=self.endpoint_id,
        )
        assert stored and len(stored) == total, "deliveries left undelivered"
        received = self.receiver.snapshot()
        assert {message.message_id for message in received} == set(stored)
        for message in received:
            payload = verify_webhook(message.body, message.headers, self.secret)
            assert payload["type"] == stored[message.message_id]
        times = Counter(message.message_id for message in received)
        for message_id, count in times.items():
            if count > 1:
                first = min(m.at for m in received if m.message_id == message_id)
                assert count == 2 and first <= killed_at, f"{message_id} delivered {count} times"
        self.receiver.stop()
        doubled = sum(count - 1 for count in times.values())
        print(f"{len(stored)} webhooks delivered across both instances; {doubled} sent twice")
