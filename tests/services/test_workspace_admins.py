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


def test_concurrent_invites_of_one_new_email_in_two_workspaces(
    database: Database, workspace: WorkspaceKeys, other_workspace: WorkspaceKeys, database_url: str
) -> None:
    """Each workspace's invite takes its own workspace's row, so the two do not wait for each
    other until both insert the same new admin: the second must find the first's account, not
    a unique violation (a 500 in the console), and refuse it a role, since its password is the
    one the first workspace's owner was shown."""
    if database_url.startswith("sqlite"):
        pytest.skip("one writer at a time on SQLite")
    created, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def slow(conn: Any) -> None:
        outcome["first"] = members.invite(
            conn, workspace.id, "new@example.com", "editor", actor=CLI
        )
        created.set()
        release.wait(10)  # the new admin's row stays uncommitted

    def other() -> None:
        created.wait(10)
        try:
            outcome["second"] = database.run_sync(
                lambda conn: members.invite(
                    conn, other_workspace.id, "New@Example.com", "viewer", actor=CLI
                )
            )
        except Exception as exc:  # the outcome is what the test reads
            outcome["second"] = exc

    threads = [
        threading.Thread(target=lambda: database.run_sync(slow)),
        threading.Thread(target=other),
    ]
    for thread in threads:
        thread.start()
    created.wait(10)
    threads[1].join(0.5)
    release.set()
    for thread in threads:
        thread.join(10)
    first, second = outcome["first"], outcome["second"]
    assert isinstance(second, members.PasswordPending), repr(second)
    assert first.password is not None and first.admin.password_pending
    assert [
        (m.email, m.role) for m in database.run_sync(lambda c: members.members(c, workspace.id))
    ] == [("new@example.com", "editor")]
    assert database.run_sync(lambda c: members.members(c, other_workspace.id)) == []
