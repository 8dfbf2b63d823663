"""Serve Shirube, or the bare Starlette baseline, exactly as the benchmarks measure them; and
prepare a Shirube database for a benchmark (migrations, a workspace, published content).

    python bench/launcher.py shirube --port 8123 --database-url sqlite:////tmp/x.db
    python bench/launcher.py bare --port 8124

Both are served by `serve()`, so the baseline and Shirube always get identical uvicorn settings:
one worker, uvloop, httptools, no access log, log level warning.
"""

from __future__ import annotations

import argparse
import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import uvicorn
from shirube.app import create_app
from shirube.migrate import upgrade
from shirube.services import content_store
from shirube.services.workspaces import create_workspace, workspace_by_id
from shirube.settings import Settings
from shirube.storage import Connection, Database, tables
from sqlalchemy import Table, bindparam, create_engine, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

HOST = "127.0.0.1"
SECRET_KEY = "x" * 40
ORIGIN = "https://app.kintai.example"
UVICORN_OPTIONS: dict[str, Any] = {
    "workers": 1,
    "loop": "uvloop",
    "http": "httptools",
    "access_log": False,
    "log_level": "warning",
}
BARE_PATH = "/bare"


def settings_for(database_url: str) -> Settings:
    # The one setting a benchmark varies (widget_session.py --progress-cache) reaches the
    # server subprocess through its environment.
    kept = os.environ.get("SHIRUBE_PROGRESS_CACHE_SIZE")
    extra: dict[str, Any] = {}
    # ingest_goals.py runs an instance with the KPI worker (and one of an older version, which
    # knows no such setting: only passed when asked for).
    if os.environ.get("SHIRUBE_KPI_WORKER") == "true":
        extra["kpi_worker"] = True
    return Settings(
        database_url=database_url,
        secret_key=SECRET_KEY,
        env="test",
        progress_cache_size=Settings.progress_cache_size if kept is None else int(kept),
        # As `shirube serve` runs: the webhook worker polls the outbox in the background.
        webhook_worker=True,
        **extra,
    )


def migrate(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class BenchWorkspace:
    id: int
    public_key: str
    secret_key: str
    origin: str


def create_bench_workspace(db: Database, name: str, origin: str = ORIGIN) -> BenchWorkspace:
    def work(conn: Connection) -> BenchWorkspace:
        # As the benchmarks have always measured: sessions unsigned, and free to write the
        # companies they name (new workspaces start in observe mode, which counts each one).
        created = create_workspace(
            conn, name, [origin], identity_mode="off", unverified_company_writes=True
        ).as_json()
        return BenchWorkspace(created["id"], created["public_key"], created["secret_key"], origin)

    return db.run_sync(work)


def publish(
    db: Database,
    workspace_id: int,
    tours: Sequence[dict[str, Any]],
    checklists: Sequence[dict[str, Any]],
    goals: Sequence[dict[str, Any]] = (),
) -> int:
    """Save and publish every tour, then every checklist and goal; return the content
    revision."""

    def work(conn: Connection) -> int:
        for kind, documents in (("tour", tours), ("checklist", checklists), ("goal", goals)):
            for document in documents:
                saved = content_store.save_draft(conn, workspace_id, kind, document)
                content_store.publish(conn, saved.item)
        workspace = workspace_by_id(conn, workspace_id)
        assert workspace is not None
        return workspace.content_revision

    return db.run_sync(work)


def insert_rows(db: Database, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Rows written directly, one executemany (set-up data, not what is measured); rows of a
    table keyed by `user_key` get their user's, from `end_user` (written first)."""
    if not rows:
        return
    if "user_key" in table.c and table is not tables.end_user and "user_key" not in rows[0]:
        keys = user_keys(db, {row["workspace_id"] for row in rows})
        rows = [{**row, "user_key": keys[row["workspace_id"], row["user_id"]]} for row in rows]
    statement = table.insert().values({name: bindparam(name) for name in rows[0]})
    db.run_sync(lambda conn: conn.many(statement, rows))


def user_keys(db: Database, workspace_ids: set[int]) -> dict[tuple[int, str], int]:
    """(workspace, user id) → `end_user.user_key` of every user of the workspaces."""
    users = tables.end_user.c
    query = select(users.external_id, users.user_key).where(users.workspace_id == bindparam("ws"))

    def read(conn: Connection, ws: int) -> dict[tuple[int, str], int]:
        return {(ws, user): key for user, key in conn.all(query, {"ws": ws})}

    keys: dict[tuple[int, str], int] = {}
    for ws in workspace_ids:
        keys.update(db.run_sync(functools.partial(read, ws=ws)))
    return keys


# --- the bare baseline ----------------------------------------------------------------------

# About 1 KB of JSON, shaped like a (small) widget answer.
BARE_PAYLOAD: dict[str, Any] = {
    "token": "t" * 160,
    "expires_in": 86400,
    "user": {"id": "user-1", "company_id": "co-1", "locale": "ja"},
    "workspace": {"default_locale": "en", "theme": {}},
    "revision": 25,
    "tours": [
        {
            "key": f"tour-{index}",
            "trigger": {"type": "auto"},
            "pages": ["/employees/*"],
            "frequency": "once",
            "steps": [{"id": "intro", "kind": "modal", "title": "ようこそ", "body": "説明です。"}],
            "progress": {"status": "not_started", "current_step": None},
        }
        for index in range(3)
    ],
    "checklists": [],
}


async def bare_endpoint(request: Request) -> Response:
    body = await request.json()
    if not isinstance(body, dict):
        return JSONResponse({"error": "expected an object"}, status_code=422)
    return JSONResponse(BARE_PAYLOAD)


async def bare_health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def bare_app() -> Starlette:
    return Starlette(
        routes=[
            Route(BARE_PATH, bare_endpoint, methods=["POST"]),
            Route("/healthz", bare_health, methods=["GET"]),
        ]
    )


# --- serving --------------------------------------------------------------------------------


def serve(app: Any, port: int, loop: str = "uvloop") -> None:
    uvicorn.run(app, host=HOST, port=port, **{**UVICORN_OPTIONS, "loop": loop})


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Serve Shirube or the bare baseline app with the benchmarks' uvicorn settings."
    )
    parser.add_argument("kind", choices=["shirube", "bare"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", help="required for shirube (already migrated)")
    parser.add_argument(
        "--loop", choices=["uvloop", "asyncio"], default="uvloop",
        help="event loop (default uvloop; asyncio only to diagnose the loop itself)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.kind == "bare":
        serve(bare_app(), args.port, args.loop)
        return
    if not args.database_url:
        parser.error("shirube needs --database-url")
    serve(create_app(settings_for(args.database_url)), args.port, args.loop)


if __name__ == "__main__":
    main()
