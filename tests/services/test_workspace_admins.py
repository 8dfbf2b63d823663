"""Two owners demoting each other at the same moment leave one owner: role changes in a
workspace take its row in turn (PostgreSQL; SQLite has one writer at a time anyway)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from shirube.errors import Conflict
from shirube.services import workspace_admins as members
from shirube.services.audit import CLI
from shirube.storage import Database

from tests.conftest import WorkspaceKeys
from tests.console.conftest import make_admin


def test_concurrent_demotions_keep_an_owner(
    database: Database, workspace: WorkspaceKeys, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("one writer at a time on SQLite")
    first = make_admin(database, "one@example.com", {workspace.id: "owner"})
    second = make_admin(database, "two@example.com", {workspace.id: "owner"})
    changed, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def slow(conn: Any) -> None:
        members.set_role(conn, workspace.id, first, "editor", actor=CLI)
        changed.set()
        release.wait(10)  # the transaction stays open, its lock held

    def other() -> None:
        changed.wait(10)
        try:
            database.run_sync(
                lambda conn: members.set_role(conn, workspace.id, second, "editor", actor=CLI)
            )
            outcome["second"] = "changed"
        except Conflict as exc:
            outcome["second"] = exc.message

    threads = [
        threading.Thread(target=lambda: database.run_sync(slow)),
        threading.Thread(target=other),
    ]
    for thread in threads:
        thread.start()
    changed.wait(10)
    threads[1].join(0.5)
    assert threads[1].is_alive(), "the second change did not wait for the first"
    release.set()
    for thread in threads:
        thread.join(10)
    assert "at least one owner" in outcome["second"]
    roles = {m.email: m.role for m in database.run_sync(lambda c: members.members(c, workspace.id))}
    assert roles == {"one@example.com": "editor", "two@example.com": "owner"}
