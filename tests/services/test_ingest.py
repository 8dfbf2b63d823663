"""`ingest_server_batch`: the rows a batch met become known to the process only once its
transaction committed (services/known_rows.py), whether the batch was written alone or in a
group (storage/group_commit.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from shirube.context import AppContext
from shirube.security.keys import hash_secret_key
from shirube.services import ingest
from shirube.services.ingest import NewEvent, ingest_server_batch
from shirube.settings import Settings
from shirube.storage import Database

from tests.conftest import WorkspaceKeys


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    # A loop of its own: the browser tests of the same run leave the main thread's running.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _batch(name: str) -> list[NewEvent]:
    return [NewEvent(f"{name}-1", "login", f"user-{name}", f"company-{name}", {}, None)]


def test_rows_become_known_only_after_their_commit(
    settings: Settings,
    database: Database,
    workspace: WorkspaceKeys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    context = AppContext.build(settings, database)
    key_hash = hash_secret_key(workspace.secret_key)
    company = ("company", workspace.id, "company-good")

    real_project = ingest.project

    def failing_project(conn: Any, workspace_id: int, rows: Any, *args: Any) -> Any:
        if rows[0]["user_id"] == "user-bad":
            raise RuntimeError("this batch fails after writing its companies")
        return real_project(conn, workspace_id, rows, *args)

    monkeypatch.setattr(ingest, "project", failing_project)

    async def both() -> list[Any]:
        return await asyncio.gather(
            ingest_server_batch(context, key_hash, _batch("good")),
            ingest_server_batch(context, key_hash, _batch("bad")),
            return_exceptions=True,
        )

    good, bad = _run(both())
    assert good.accepted == 1 and isinstance(bad, RuntimeError)
    assert company in context.known
    assert ("company", workspace.id, "company-bad") not in context.known
