"""Identify calls that race (services/identify.py): each one read the user before the other
wrote, and each must still keep the keys it sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shirube.services.identify import (
    StoredUser,
    identify_company,
    identify_user,
    read_company_traits,
    read_user,
    run_statements,
)
from shirube.storage import Connection, Database
from shirube.timeutil import utcnow

from tests.conftest import WorkspaceKeys


def _identify(
    database: Database, workspace: WorkspaceKeys, stored: StoredUser | None, traits: dict[str, Any]
) -> None:
    def work(conn: Connection) -> None:
        _, writes = identify_user(
            workspace.id,
            "u-1",
            stored,
            traits,
            None,
            seen=True,
            now=utcnow(),
        )
        with conn.transaction():
            run_statements(conn, writes)

    database.run_sync(work)


def _user(database: Database, workspace: WorkspaceKeys) -> StoredUser:
    stored = database.run_sync(lambda conn: read_user(conn, workspace.id, "u-1"))
    assert stored is not None
    return stored


def test_a_write_after_a_stale_read_keeps_the_keys_written_meanwhile(
    database: Database, workspace: WorkspaceKeys
) -> None:
    _identify(database, workspace, None, {"plan": "trial"})
    stale = _user(database, workspace)
    _identify(database, workspace, stale, {"role": "admin"})  # another request, first
    _identify(database, workspace, stale, {"department": "hr"})  # then this one, read before
    stored = _user(database, workspace)
    assert stored.traits == {"plan": "trial", "role": "admin", "department": "hr"}


def test_two_first_sessions_at_once_both_keep_their_traits(
    database: Database, workspace: WorkspaceKeys
) -> None:
    _identify(database, workspace, None, {"role": "admin", "plan": "trial"})
    _identify(database, workspace, None, {"plan": "pro", "seats": None})  # also read "no user"
    stored = _user(database, workspace)
    assert stored.traits == {"role": "admin", "plan": "pro", "seats": None}


def test_last_seen_never_moves_back_after_a_stale_read(
    database: Database, workspace: WorkspaceKeys
) -> None:
    _identify(database, workspace, None, {})
    stale = _user(database, workspace)
    later = stale.last_seen_at + timedelta(hours=1)

    def seen_later(conn: Connection) -> None:
        _, writes = identify_user(workspace.id, "u-1", stale, {}, "en", seen=True, now=later)
        with conn.transaction():
            run_statements(conn, writes)

    database.run_sync(seen_later)
    _identify(database, workspace, stale, {"role": "admin"})  # now < later
    stored = _user(database, workspace)
    assert stored.last_seen_at == later and stored.locale == "en"


def test_company_traits_merge_after_a_stale_read(
    database: Database, workspace: WorkspaceKeys
) -> None:
    def identify(stored: dict[str, Any] | None, traits: dict[str, Any]) -> None:
        def work(conn: Connection) -> None:
            _, writes = identify_company(workspace.id, "c-1", stored, traits, utcnow())
            with conn.transaction():
                run_statements(conn, writes)

        database.run_sync(work)

    identify(None, {"plan": "trial"})
    identify(None, {"employees": 40})
    stale = database.run_sync(lambda conn: read_company_traits(conn, workspace.id, "c-1"))
    identify(stale, {"industry": "retail"})
    identify(stale, {"plan": "pro"})
    assert database.run_sync(lambda conn: read_company_traits(conn, workspace.id, "c-1")) == {
        "plan": "pro",
        "employees": 40,
        "industry": "retail",
    }


def test_a_float_trait_read_back_as_an_integer_is_no_change(
    database: Database, workspace: WorkspaceKeys
) -> None:
    """PostgreSQL's JSONB gives 1e23 back as 10**23: the next identify with the same traits
    must not rewrite the row (SQLite gives the float back)."""
    traits = {"big": 1e23, "list": [2.5e30, 1], "small": 0.1}
    _identify(database, workspace, None, traits)
    stored = _user(database, workspace)
    later = stored.last_seen_at + timedelta(seconds=1)
    _, writes = identify_user(workspace.id, "u-1", stored, traits, None, seen=True, now=later)
    assert writes == []
    _, company_writes = identify_company(workspace.id, "c-1", dict(stored.traits), traits, later)
    assert company_writes == []
    # A real change still writes.
    _, writes = identify_user(
        workspace.id, "u-1", stored, {"big": 1e22}, None, seen=True, now=later
    )
    assert writes != []
