"""The `shirube` command: builds what it needs and hands the app to uvicorn."""

from __future__ import annotations

import contextlib
import json
import logging.config
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from starlette.applications import Starlette

from shirube import __version__
from shirube.errors import DomainError
from shirube.settings import Settings, SettingsError, load_settings
from shirube.storage import Connection, Database
from shirube.storage.engine import DATABASE_ERRORS

T = TypeVar("T")


def fail(message: str) -> NoReturn:
    click.echo(f"shirube: error: {message}", err=True)
    sys.exit(2)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc))


def _database_error(exc: Exception) -> str:
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0]


def _with_database(settings: Settings, work: Callable[[Database], T]) -> T:
    database = Database(settings.database_url, lock_wait=settings.lock_wait_seconds)
    try:
        return work(database)
    except DATABASE_ERRORS as exc:
        fail(f"database {database.engine.url.render_as_string()}: {_database_error(exc)}")
    finally:
        database.dispose()


def _ahead(current: str | None, head: str | None) -> str:
    return (
        f"the database is at schema revision {current}, which this version of Shirube (schema "
        f"{head}) does not know: a newer version migrated it; run that version"
    )


def _upgrade(settings: Settings) -> str | None:
    from shirube.migrate import current_revision, schema_status, upgrade

    def work(database: Database) -> str | None:
        status = schema_status(database.engine)
        if status.ahead:
            fail(_ahead(status.current, status.head))
        upgrade(database.engine)
        return current_revision(database.engine)

    return _with_database(settings, work)


def _run(settings: Settings, work: Callable[[Connection], T]) -> T:
    def in_database(database: Database) -> T:
        try:
            return database.run_sync(work)
        except DomainError as exc:
            details = "; ".join(f"{f.path}: {f.message}" for f in exc.fields[:10])
            fail(f"{exc.message}" + (f" ({details})" if details and len(exc.fields) > 1 else ""))

    return _with_database(settings, in_database)


def app_from_environment() -> Starlette:
    """Factory for uvicorn workers: each worker process builds its own app from the env."""
    from shirube.app import create_app

    return create_app(load_settings())


@click.group()
@click.version_option(__version__, prog_name="shirube")
def main() -> None:
    """Shirube: self-hosted product tours, checklists and onboarding KPIs."""


@contextlib.contextmanager
def _metrics_shared_by_workers(settings: Settings, workers: int) -> Iterator[None]:
    """Several workers answer /metrics in turn: each writes its counters and histograms to
    files in one directory (prometheus_client's multiprocess mode), and whichever answers
    sums them. A directory of this run's own, empty at start (files left by an earlier run
    would be counted again), removed at exit; one the operator set is used as it is."""
    from shirube.observability.metrics import MULTIPROCESS_DIR

    if workers == 1 or settings.metrics_token is None or os.environ.get(MULTIPROCESS_DIR):
        yield
        return
    directory = tempfile.mkdtemp(prefix="shirube-metrics-")
    os.environ[MULTIPROCESS_DIR] = directory  # the workers inherit it
    try:
        yield
    finally:
        del os.environ[MULTIPROCESS_DIR]
        shutil.rmtree(directory, ignore_errors=True)


@main.command()
@click.option("--host", default=None, help="Interface to bind (default SHIRUBE_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default SHIRUBE_PORT or 8000).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, help="Worker processes.")
@click.option("--no-migrate", is_flag=True, help="Do not apply migrations at start-up.")
def serve(host: str | None, port: int | None, workers: int, no_migrate: bool) -> None:
    """Apply migrations, then serve the API and the widget."""
    import uvicorn

    from shirube.observability.logs import logging_config

    settings = _settings()
    # One format for every line of the process (Shirube's, uvicorn's, the libraries'),
    # the migrations' included.
    log_config = logging_config(settings.log_format, settings.log_level)
    logging.config.dictConfig(log_config)
    if not no_migrate:
        _upgrade(settings)
    with _metrics_shared_by_workers(settings, workers):
        uvicorn.run(
            "shirube.cli:app_from_environment",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            log_config=log_config,
            log_level=settings.log_level,
            # Shirube writes its own access lines (middleware/observe.py): with the route
            # template, the status, the duration and the request id.
            access_log=False,
            # Behind a reverse proxy (docs/deploy.md): the client's address and scheme come
            # from its X-Forwarded-For / X-Forwarded-Proto, believed only from
            # FORWARDED_ALLOW_IPS.
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (safe to run from several instances at once)."""
    revision = _upgrade(_settings())
    click.echo(f"database at revision {revision}")


@db.command("status")
def db_status() -> None:
    """Whether the database is at this version's schema: exit 0 if so, 1 if migrations are
    pending (stop every older instance before starting this version), 2 on an error."""
    from shirube.migrate import schema_status

    status = _with_database(_settings(), lambda database: schema_status(database.engine))
    if status.ahead:
        fail(_ahead(status.current, status.head))
    if not status.pending:
        click.echo(f"database at schema revision {status.current}: up to date")
        return
    count = len(status.pending)
    click.echo(
        f"database at schema revision {status.current or 'none (empty)'}; this version's is "
        f"{status.head}: {count} migration{'s' if count > 1 else ''} pending "
        f"({', '.join(status.pending)})"
    )
    sys.exit(1)


@db.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(target: Path) -> None:
    """Copy a SQLite database to TARGET while Shirube keeps serving (PostgreSQL: pg_dump)."""
    from shirube.storage.backup import BackupError, backup_sqlite

    try:
        done = backup_sqlite(_settings().database_url, target)
    except BackupError as exc:
        fail(str(exc))
    revision = f", schema revision {done.revision}" if done.revision else ""
    click.echo(f"backup written to {done.path} ({done.bytes:,} bytes{revision})")


@main.group()
def workspace() -> None:
    """Workspaces (one per host product environment)."""


@workspace.command("create")
@click.argument("name")
@click.option("--origin", "origins", multiple=True, help="Allowed origin (repeatable).")
@click.option("--locale", default="en", show_default=True, help="Default locale.")
@click.option(
    "--identity-mode",
    type=click.Choice(["off", "observe", "enforce"]),
    default="observe",
    show_default=True,
    help="off: anyone with the public key may open a session as any user id and change that "
    "user's traits; observe: the same, counting signed sessions; enforce: a session needs the "
    "user's identity token signed by your backend.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the keys as one JSON object.")
def workspace_create(
    name: str, origins: tuple[str, ...], locale: str, identity_mode: str, as_json: bool
) -> None:
    """Create a workspace and print its keys. The secret key is shown this once."""
    from shirube.services.workspace_settings import IDENTITY_MODES, WorkspacePatch
    from shirube.services.workspaces import create_workspace
    from shirube.validation import validate_model

    settings = _settings()
    _upgrade(settings)
    try:
        checked = validate_model(
            WorkspacePatch,
            {"name": name, "allowed_origins": list(origins), "default_locale": locale},
        )
    except DomainError as exc:
        fail(exc.message)
    created = _run(
        settings,
        lambda s: create_workspace(
            s,
            name,
            sorted(set(checked.allowed_origins or [])),
            default_locale=locale,
            identity_mode=identity_mode,
        ).as_json(),
    )
    if as_json:
        click.echo(json.dumps(created))
        return
    click.echo(f"Workspace {created['id']}: {created['name']}")
    for label in ("public_key", "secret_key", "identity_secret"):
        click.echo(f"  {label + ':':17}{created[label]}")
    click.echo("The secret key is stored only as a hash: copy it now.")
    click.echo(f"Identity mode {identity_mode}: {IDENTITY_MODES[identity_mode]}")


@workspace.command("list")
def workspace_list() -> None:
    """List workspaces (id, public key, name)."""
    from shirube.services.workspaces import list_workspaces

    rows = _run(_settings(), list_workspaces)
    for row in rows:
        click.echo("\t".join(str(part) for part in row))


@main.group()
def admin() -> None:
    """Admin accounts for the Shirube console."""


@admin.command("create")
@click.argument("email")
@click.option("--workspace", "workspace_id", type=int, multiple=True, help="Workspace id.")
@click.option("--role", type=click.Choice(["owner", "editor", "viewer"]), default="owner")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def admin_create(
    email: str, workspace_id: tuple[int, ...], role: str, password_stdin: bool
) -> None:
    """Create an admin; prints a generated password unless --password-stdin is given."""
    from shirube.security.passwords import MIN_LENGTH, new_password
    from shirube.services.admins import create_admin

    if "@" not in email or len(email) > 320:
        fail(f"not an email address: {email!r}")
    password = sys.stdin.readline().strip() if password_stdin else new_password()
    if len(password) < MIN_LENGTH:
        fail(f"the password must be at least {MIN_LENGTH} characters long")
    settings = _settings()
    _upgrade(settings)
    roles = dict.fromkeys(workspace_id, role)
    _run(settings, lambda s: create_admin(s, email, password, roles).id)
    click.echo(f"admin {email.strip().lower()} created")
    if not password_stdin:
        click.echo(f"password: {password}")


@main.group()
def content() -> None:
    """Content as code: export and import a workspace's tours and checklists."""


def _workspace_id(conn: Connection, ref: str) -> int:
    from shirube.services.workspaces import workspace_id_by_reference

    found = workspace_id_by_reference(conn, ref)
    if found is None:
        fail(f"no workspace {ref!r} (give its id or public key)")
    return found


@content.command("export")
@click.option("--workspace", "ref", required=True, help="Workspace id or public key.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def content_export(ref: str, output: Path | None) -> None:
    """Write the workspace's drafts as one JSON document."""
    from shirube.services.transfer import export_document

    document = _run(_settings(), lambda s: export_document(s, _workspace_id(s, ref)))
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@content.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--workspace", "ref", required=True, help="Workspace id or public key.")
@click.option("--no-publish", is_flag=True, help="Only update drafts.")
def content_import(path: Path, ref: str, no_publish: bool) -> None:
    """Create or update (and publish) everything in a content document, all or nothing."""
    from shirube.services.audit import CLI
    from shirube.services.transfer import import_document

    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        fail(f"{path} is not valid JSON: {exc}")
    settings = _settings()
    _upgrade(settings)
    summary = _run(
        settings,
        lambda s: import_document(
            s, _workspace_id(s, ref), data, publish=not no_publish, actor=CLI
        ),
    )
    click.echo(json.dumps(summary, ensure_ascii=False))
