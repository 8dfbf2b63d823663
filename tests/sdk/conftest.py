"""Fixtures for the SDK tests: one live `shirube serve` on SQLite for the whole SDK test run,
one workspace in it, and a client factory that always shuts its clients down."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from shirube_sdk import Client

from tests.sdk.live_server import LiveServer, Workspace, running_server


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("sdk-server")
    with running_server(f"sqlite:///{workdir / 'shirube.db'}", workdir) as server:
        yield server


@pytest.fixture(scope="session")
def workspace(live_server: LiveServer) -> Workspace:
    return live_server.create_workspace("Kintai SDK tests")


@pytest.fixture
def user_id() -> str:
    """A user of this test's own, so that tests sharing the workspace never see each other."""
    return f"u-{uuid.uuid4().hex[:12]}"


ClientFactory = Callable[..., Client]


@pytest.fixture
def make_client(live_server: LiveServer, workspace: Workspace) -> Iterator[ClientFactory]:
    clients: list[Client] = []

    def make(**options: Any) -> Client:
        options.setdefault("server_url", live_server.url)
        options.setdefault("secret_key", workspace.secret_key)
        options.setdefault("identity_secret", workspace.identity_secret)
        client = Client(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.shutdown(timeout=5)
