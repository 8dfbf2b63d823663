"""Two `shirube serve` instances on one scratch PostgreSQL database, behind Debian's nginx with
the configuration of docs/deploy.md, round robin: one cluster for the whole module.

Started as in production: real processes with SHIRUBE_ENV=production, the same secret key,
FORWARDED_ALLOW_IPS naming nginx's address, both started at once (each applies the migrations
at start-up under the lock, so one of them migrates and the other finds the schema done).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.conftest import IN_CI, scratch_postgres_database
from tests.deploy.http import Reply, request
from tests.deploy.nginx import Nginx, nginx_binary, self_signed_certificate
from tests.deploy.webhook_receiver import INSTANCE_ENV as WEBHOOK_ENV
from tests.deploy.webhook_receiver import WebhookCheck
from tests.sdk.live_server import ORIGIN, LiveServer, Workspace

# The instances trust nginx's address and no other (a client on 127.0.0.2 is not a proxy).
PROXY_ADDRESS = "127.0.0.1"
# What the tests call "another machine": Linux answers on all of 127.0.0.0/8.
CLIENT_ADDRESS = "127.0.0.2"

CONTENT: dict[str, Any] = {
    "format": "shirube.content/1",
    "tours": [
        {
            "key": "welcome",
            "name": "Welcome",
            "steps": [
                {"id": f"s{n}", "kind": "modal", "title": {"en": f"Step {n}", "ja": f"手順{n}"}}
                for n in (1, 2, 3)
            ],
        }
    ],
    "checklists": [
        {
            "key": "setup",
            "title": {"en": "Initial setup", "ja": "初期設定"},
            "items": [
                {
                    "id": "import",
                    "title": {"en": "Import employees", "ja": "従業員をインポート"},
                    "completion": {"type": "event", "event": "employees.imported"},
                },
                {
                    "id": "shifts",
                    "title": {"en": "Create three shifts", "ja": "シフトを3件作成"},
                    "completion": {"type": "event", "event": "shift.created", "min_count": 3},
                },
                {
                    "id": "tour",
                    "title": {"en": "Take the tour", "ja": "ツアーを見る"},
                    "completion": {"type": "tour_completed", "tour": "welcome"},
                },
            ],
        }
    ],
}


@dataclass
class Cluster:
    database_url: str
    instances: dict[str, LiveServer]
    nginx: Nginx
    workspace: Workspace
    certificate: Path
    engine: Engine

    @property
    def lb(self) -> str:
        return self.nginx.url

    def url(self, name: str) -> str:
        """An instance's own address, skipping nginx ("a" or "b")."""
        return self.instances[name].url

    def port_of(self, name: str) -> str:
        return f"127.0.0.1:{self.instances[name].port}"

    def server_api(self, method: str, base: str, path: str, body: Any = None) -> Reply:
        headers = {"Authorization": f"Bearer {self.workspace.secret_key}"}
        return request(method, base + path, body, headers)

    def session(self, base: str, user_id: str, **fields: Any) -> dict[str, Any]:
        body = {"public_key": self.workspace.public_key, "user_id": user_id, **fields}
        reply = request("POST", base + "/api/v1/widget/session", body, {"Origin": ORIGIN})
        assert reply.status == 200, reply.body
        answer: dict[str, Any] = reply.json()
        return answer

    def widget_events(self, base: str, token: str, events: list[dict[str, Any]]) -> Reply:
        body = {"token": token, "events": events}
        return request("POST", base + "/api/v1/widget/events", body, {"Origin": ORIGIN})

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), {"ws": self.workspace.id, **params}).scalar_one()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), {"ws": self.workspace.id, **params}))


def _start_together(servers: list[LiveServer]) -> None:
    problems: list[BaseException] = []

    def start(server: LiveServer) -> None:
        try:
            server.start()
        except BaseException as exc:  # reported below, in the test's thread
            problems.append(exc)

    threads = [threading.Thread(target=start, args=(server,)) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if problems:
        raise problems[0]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if nginx_binary() is None:
        message = "nginx is missing: `make test` installs Debian's nginx"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    workdir = tmp_path_factory.mktemp("deploy")
    with scratch_postgres_database() as database_url:
        instances = {name: LiveServer(database_url, workdir) for name in ("a", "b")}
        for server in instances.values():
            server.env.update({"SHIRUBE_ENV": "production", "FORWARDED_ALLOW_IPS": PROXY_ADDRESS})
            server.env.update(WEBHOOK_ENV)
            server.env.pop("SHIRUBE_PROGRESS_CACHE_SIZE", None)  # the default: caches on
        certificate = self_signed_certificate(workdir)
        # A failed instance is left out for 1 s (10 s in production) so that a restarted one
        # rejoins within the test.
        nginx = Nginx(
            workdir,
            [server.port for server in instances.values()],
            tls=certificate,
            fail_timeout_s=1,
        )
        engine = create_engine(database_url)
        try:
            _start_together(list(instances.values()))
            nginx.start()
            workspace = instances["a"].create_workspace("Kintai Cloud")
            cluster = Cluster(database_url, instances, nginx, workspace, certificate[0], engine)
            imported = cluster.server_api("POST", cluster.lb, "/api/v1/content/import", CONTENT)
            assert imported.status == 200, imported.body
            yield cluster
        finally:
            nginx.stop()
            for server in instances.values():
                server.close()
            engine.dispose()


def new_user(prefix: str) -> str:
    """A user of the calling test's own (the tests share one workspace)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def webhooks() -> WebhookCheck:
    return WebhookCheck()
