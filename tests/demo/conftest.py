"""Fixtures for the demo host app: a TestClient app whose Shirube events are recorded (fast
tests), and live Shirube + Kintai Cloud servers started by the real launcher (browser tests)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from demo_app.app import create_app
from demo_app.db import Store, User
from demo_app.launcher import Running, bind, build, origin_of
from demo_app.onboarding import Onboarding
from demo_app.provision import DemoKeys
from demo_app.seed import PastEvent
from demo_app.settings import DemoSettings
from tests.conftest import SECRET

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "server/shirube/static/widget/shirube.js"
SAMPLE_CSV = ROOT / "demo_app/sample_employees.csv"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class RecordingOnboarding(Onboarding):
    """The real snippet (signed with a test identity secret), events recorded, not sent."""

    def __init__(self, settings: DemoSettings) -> None:
        super().__init__(settings)
        self.events: list[tuple[str, str, dict[str, Any] | None]] = []
        self.replayed: list[tuple[str, str, dict[str, Any] | None]] = []

    async def event(self, user: User, name: str, properties: dict[str, Any] | None = None) -> None:
        self.events.append((user.id, name, properties))

    def replay(self, past: list[PastEvent]) -> None:
        self.replayed = [(e.user.id, e.name, e.properties) for e in past]

    async def close(self) -> None:
        self.client.shutdown(0)


@dataclass
class Demo:
    client: TestClient
    store: Store
    onboarding: RecordingOnboarding

    def token(self, path: str = "/signin") -> str:
        found = CSRF.search(self.client.get(path).text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def sign_in(self, email: str) -> User:
        user = next(u for u in self.store.users() if u.email == email)
        answer = self.client.post("/signin", data={"user_id": user.id, "csrf_token": self.token()})
        assert answer.status_code == 303, answer.text
        return user

    def new_company(self, name: str = "テスト株式会社", admin: str = "新井 はじめ") -> User:
        answer = self.client.post(
            "/signup",
            data={"company_name": name, "admin_name": admin, "csrf_token": self.token()},
        )
        assert answer.status_code == 303, answer.text
        return next(u for u in self.store.users() if u.name == admin)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> Any:
        return self.client.post(
            path, data={**data, "csrf_token": self.token("/dashboard")}, **kwargs
        )

    def event_names(self) -> list[str]:
        return [name for _, name, _ in self.onboarding.events]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    settings = DemoSettings(
        shirube_url="http://127.0.0.1:9",
        public_key="pk_test",
        secret_key="sk_test",
        identity_secret="identity-secret-for-tests",
        database_path=tmp_path / "kintai.db",
        session_secret="session-secret-for-tests",
    )
    onboarding = RecordingOnboarding(settings)
    app = create_app(settings, onboarding)
    with TestClient(app, base_url=settings.origin, follow_redirects=False) as client:
        yield Demo(client, app.state.kintai.store, onboarding)


@dataclass(frozen=True)
class LiveDemo:
    url: str
    shirube_url: str
    keys: DemoKeys
    store: Store
    shirube_db: Path


@contextlib.contextmanager
def serve_demo(folder: Path) -> Iterator[LiveDemo]:
    """Shirube and Kintai Cloud on free ports with databases in `folder`, started by the
    launcher, stopped on exit."""
    if not BUNDLE.is_file():
        pytest.skip(f"the widget bundle is not built yet ({BUNDLE})")
    shirube_socket, demo_socket = bind("127.0.0.1", 0), bind("127.0.0.1", 0)
    env = {
        "SHIRUBE_DATABASE_URL": f"sqlite:///{folder / 'shirube.db'}",
        "SHIRUBE_SECRET_KEY": SECRET,
    }
    running, keys, settings = build(
        shirube_socket, demo_socket, folder / "keys.json", folder / "kintai.db", env
    )
    thread = threading.Thread(target=asyncio.run, args=(running.serve(),), daemon=True)
    thread.start()
    _wait_started(running, thread)
    try:
        yield LiveDemo(
            settings.origin,
            origin_of(shirube_socket),
            keys,
            Store(settings.database_path),
            folder / "shirube.db",
        )
    finally:
        running.stop()
        thread.join(15)


@pytest.fixture(scope="session")
def live_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    """Shirube and Kintai Cloud on free ports, temp databases, started by the launcher."""
    with serve_demo(tmp_path_factory.mktemp("demo")) as live:
        yield live


def _wait_started(running: Running, thread: threading.Thread) -> None:
    deadline = time.monotonic() + 30
    while not running.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the demo servers did not start")
        time.sleep(0.05)
