"""An online backup of a SQLite database, taken while Shirube keeps serving (`shirube db
backup`). PostgreSQL has its own tools (`pg_dump`; docs/deploy.md).

sqlite3's backup API copies the database page by page from one read transaction: a snapshot of
one moment, every transaction in it whole or absent. In WAL mode a reader blocks no writer, so
instances go on writing while it runs. It copies in one step: a copy taken in several steps
starts over whenever another connection writes in between, which under steady ingestion would
be always.

The copy is written next to the target under a temporary name, checked, synced and renamed:
the target is either a complete backup or absent, never half of one. It is left in rollback
journal mode, a single file; Shirube switches it back to WAL when it opens it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """Why no backup was written; one line meant for the operator."""


@dataclass(frozen=True)
class Backup:
    path: Path
    bytes: int
    # The schema revision the copy is at (restore it under a Shirube of that version or newer).
    revision: str | None


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"{url.get_backend_name()} databases are backed up with their own tools "
            "(PostgreSQL: pg_dump -Fc; docs/deploy.md)"
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(url.database)


def backup_sqlite(database_url: str, target: Path) -> Backup:
    source = sqlite_path(database_url)
    if not source.is_file():
        # sqlite3 would create an empty database there and back that up.
        raise BackupError(f"no database at {source}")
    if target.exists():
        raise BackupError(f"{target} exists already: give a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"no directory {target.parent}")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        revision = _copy(source, partial)
        _sync(partial)
        os.replace(partial, target)
        _sync(target.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"backup of {source} failed: {exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return Backup(target, target.stat().st_size, revision)


def _copy(source: Path, target: Path) -> str | None:
    from_db = sqlite3.connect(source)
    try:
        to_db = sqlite3.connect(target)
        try:
            from_db.backup(to_db)  # every page in one step: one snapshot (see above)
            to_db.execute("PRAGMA journal_mode=DELETE")
            [verdict] = to_db.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise BackupError(f"the copy of {source} failed its check: {verdict}")
            try:
                row = to_db.execute("SELECT version_num FROM alembic_version").fetchone()
            except sqlite3.OperationalError:
                row = None  # never migrated
            return None if row is None else str(row[0])
        finally:
            to_db.close()
    finally:
        from_db.close()


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
