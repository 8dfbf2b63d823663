"""Apply Alembic migrations safely, even when several instances start at the same moment.

PostgreSQL: a transaction-level advisory lock serialises concurrent upgrades; the second
instance then finds the schema at head and does nothing. SQLite: an exclusive file lock next to
the database file does the same for processes on one machine.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Arbitrary but fixed: every Shirube instance must use the same number.
_PG_LOCK_ID = 0x5348_4952_5542_45


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str | None
    # The revisions this version would apply, oldest first.
    pending: list[str]
    # The database is at a revision this version does not know: a newer Shirube migrated it.
    ahead: bool


def schema_status(engine: Engine) -> SchemaStatus:
    """Where the database stands against this version's migrations (for upgrades: a version
    with nothing pending can replace the running one instance by instance)."""
    script = ScriptDirectory.from_config(alembic_config())
    current, head = current_revision(engine), script.get_current_head()
    known = [step.revision for step in script.walk_revisions()]  # newest first
    if current is not None and current not in known:
        return SchemaStatus(current, head, [], ahead=True)
    done = known.index(current) if current is not None else len(known)
    return SchemaStatus(current, head, known[:done][::-1], ahead=False)


@contextlib.contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    database = make_url(str(engine.url)).database
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate.lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(engine: Engine, revision: str = "head") -> None:
    if engine.dialect.name == "sqlite":
        with _sqlite_file_lock(engine), engine.connect() as conn:
            command.upgrade(alembic_config(conn), revision)
            conn.commit()
        return
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)
