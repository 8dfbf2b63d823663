"""Shared fixtures: every storage test runs against SQLite and PostgreSQL.

PostgreSQL comes from SHIRUBE_TEST_POSTGRES_URL (default: the CI server on 127.0.0.1:5432,
database `test`, user `postgres`). The suite makes its own scratch database there and drops it
afterwards. Outside CI an unreachable server skips the PostgreSQL runs; in CI it fails them.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from shirube.app import create_app
from shirube.migrate import upgrade
from shirube.services.workspaces import create_workspace
from shirube.settings import Settings
from shirube.storage import Database, tables
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

POSTGRES_URL = os.environ.get(
    "SHIRUBE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ORIGIN = "https://app.example.com"
SECRET = "test-secret-key-" + "x" * 32


def _postgres_available() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any connection failure means "not here"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


@contextlib.contextmanager
def scratch_postgres_database() -> Iterator[str]:
    """Create a database of our own on the PostgreSQL server; drop it afterwards."""
    problem = _postgres_available()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable ({problem})")
    name = f"shirube_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A scratch PostgreSQL database shared by the whole test run."""
    with scratch_postgres_database() as url:
        yield url


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A scratch PostgreSQL database of this test's own, with no tables."""
    with scratch_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server: str) -> str:
    engine = create_engine(postgres_server)
    upgrade(engine)
    engine.dispose()
    return postgres_server


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in tables.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "shirube.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each engine."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "shirube.db"
        path.write_bytes(template.read_bytes())
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("migrated_postgres")
    _truncate_all(url)
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=SECRET, env="test")


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings.database_url)
    yield db
    db.dispose()


@pytest.fixture
def app(settings: Settings, database: Database) -> Any:
    return create_app(settings, database)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


class WorkspaceKeys:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.id: int = data["id"]
        self.public_key: str = data["public_key"]
        self.secret_key: str = data["secret_key"]
        self.identity_secret: str = data["identity_secret"]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret_key}"}


def make_workspace(database: Database, name: str = "Kintai Cloud", **kwargs: Any) -> WorkspaceKeys:
    """A workspace in `off` mode unless told otherwise (new workspaces start in `observe`):
    most tests open sessions without identity tokens and count nothing."""
    kwargs.setdefault("identity_mode", "off")
    created = database.run_sync(
        lambda conn: create_workspace(conn, name, [ORIGIN], **kwargs).as_json()
    )
    return WorkspaceKeys(created)


@pytest.fixture
def workspace(database: Database) -> WorkspaceKeys:
    return make_workspace(database)


@pytest.fixture
def other_workspace(database: Database) -> WorkspaceKeys:
    return make_workspace(database, "Other product")


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Playwright cannot download its own browsers here: drive Debian's Chromium, with its
    background networking off (this machine's closed network refuses those connections)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
