"""`shirube db backup`: an online copy of a SQLite database while events keep arriving, and
the restore of docs/deploy.md (instances stopped, the WAL files removed, the copy put back)."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from shirube.app import create_app
from shirube.cli import main
from shirube.migrate import head_revision
from shirube.services.ingest import NewEvent, ingest_batch
from shirube.services.published import load_published
from shirube.settings import Settings
from shirube.storage import Database
from starlette.testclient import TestClient

from tests.conftest import SECRET, make_workspace

BATCH = 10


def _backup(database_url: str, target: Path) -> Result:
    env = {"SHIRUBE_DATABASE_URL": database_url, "SHIRUBE_SECRET_KEY": SECRET}
    return CliRunner().invoke(main, ["db", "backup", str(target)], env=env)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "live" / "shirube.db"
    path.parent.mkdir()
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def test_a_backup_taken_while_events_arrive_holds_whole_transactions(
    sqlite_url: str, tmp_path: Path
) -> None:
    database = Database(sqlite_url)
    workspace = make_workspace(database)
    published = database.run_sync(lambda conn: load_published(conn, workspace.id, 0))
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        # Each transaction stores one batch of BATCH events of one user.
        number = 0
        while not stop.is_set() or number < 5:
            batch = [
                NewEvent(f"b{number}-e{n}", "shift.created", f"u{number}", None, {}, None)
                for n in range(BATCH)
            ]
            database.run_sync(
                lambda conn, b=batch: ingest_batch(conn, workspace.id, b, "server", published)
            )
            written.append(number)
            number += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 3:
            stop.wait(0.01)
        target = tmp_path / "backup.db"
        result = _backup(sqlite_url, target)
    finally:
        stop.set()
        writer.join()
        database.dispose()
    assert result.exit_code == 0, result.output
    assert f"schema revision {head_revision()}" in result.output

    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # A single file: no WAL beside it to lose on the way to wherever backups go.
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        per_user = dict(copy.execute("SELECT user_id, count(*) FROM event GROUP BY user_id"))
    finally:
        copy.close()
    assert len(per_user) >= 3 and set(per_user.values()) == {BATCH}
    assert not list(tmp_path.glob(".backup.db.partial-*"))


def test_restoring_a_backup_as_docs_deploy_md_says(sqlite_url: str, tmp_path: Path) -> None:
    live = Path(sqlite_url.removeprefix("sqlite:///"))
    settings = Settings(database_url=sqlite_url, secret_key=SECRET, env="test")
    database = Database(sqlite_url)
    workspace = make_workspace(database, "Before the backup")
    database.dispose()
    assert _backup(sqlite_url, tmp_path / "backup.db").exit_code == 0
    database = Database(sqlite_url)
    make_workspace(database, "After the backup")
    database.dispose()

    # Instances stopped; the database and its WAL files replaced by the backup.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    shutil.copy(tmp_path / "backup.db", live)

    with TestClient(create_app(settings)) as client:
        auth = {"Authorization": f"Bearer {workspace.secret_key}"}
        answer = client.get("/api/v1/workspace", headers=auth)
    assert answer.status_code == 200 and answer.json()["name"] == "Before the backup"
    with contextlib.closing(sqlite3.connect(live)) as restored:
        names = [row[0] for row in restored.execute("SELECT name FROM workspace")]
        assert names == ["Before the backup"]
        assert restored.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_backup_never_overwrites_and_never_invents_a_database(
    sqlite_url: str, tmp_path: Path
) -> None:
    existing = tmp_path / "existing.db"
    existing.write_bytes(b"keep me")
    refused = _backup(sqlite_url, existing)
    assert refused.exit_code == 2 and "exists already" in refused.output
    assert existing.read_bytes() == b"keep me"

    missing = _backup(f"sqlite:///{tmp_path / 'typo.db'}", tmp_path / "copy.db")
    assert missing.exit_code == 2 and "no database at" in missing.output
    assert not (tmp_path / "typo.db").exists() and not (tmp_path / "copy.db").exists()


@pytest.mark.postgres
def test_postgresql_is_backed_up_with_pg_dump(migrated_postgres: str, tmp_path: Path) -> None:
    result = _backup(migrated_postgres, tmp_path / "copy.db")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "pg_dump" in result.output
