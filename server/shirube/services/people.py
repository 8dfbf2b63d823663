"""End users and companies as the server API reads and writes them, and the users, companies
and memberships that event batches make known."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, literal_column, or_, select

from shirube.errors import NotFound
from shirube.services.identify import (
    COMPANY_ROW,
    INSERT_MEMBERSHIP,
    USER_ROW,
    Person,
    identify_company,
    identify_user,
    membership_insert,
    read_company_traits,
    read_user,
    run_statements,
)
from shirube.services.known_rows import KnownRows
from shirube.storage import Connection, earliest, insert, latest, stored_value
from shirube.storage.tables import company, end_user, membership
from shirube.timeutil import isoformat, utcnow

_USER_COMPANIES = select(membership.c.company_id).where(
    membership.c.workspace_id == bindparam("workspace_id"),
    membership.c.user_id == bindparam("id"),
)


def upsert_user(
    conn: Connection,
    workspace_id: int,
    user_id: str,
    traits: dict[str, Any] | None,
    locale: str | None,
    *,
    seen: bool = True,
) -> Person:
    stored = read_user(conn, workspace_id, user_id)
    person, statements = identify_user(
        workspace_id, user_id, stored, traits, locale, seen=seen, now=utcnow()
    )
    run_statements(conn, statements)
    return person


def upsert_company(
    conn: Connection, workspace_id: int, company_id: str, traits: dict[str, Any] | None
) -> Person:
    stored = read_company_traits(conn, workspace_id, company_id)
    person, statements = identify_company(workspace_id, company_id, stored, traits, utcnow())
    run_statements(conn, statements)
    return person


def user_companies(conn: Connection, workspace_id: int, user_id: str) -> list[str]:
    rows = conn.all(_USER_COMPANIES, {"workspace_id": workspace_id, "id": user_id})
    return [company_id for (company_id,) in rows]


def describe_user(conn: Connection, workspace_id: int, user_id: str) -> dict[str, Any]:
    """A user as the server API shows it."""
    row = conn.one(USER_ROW, {"workspace_id": workspace_id, "id": user_id})
    if row is None:
        raise NotFound("user")
    return {
        "id": user_id,
        "traits": row.traits,
        "locale": row.locale,
        "company_ids": sorted(user_companies(conn, workspace_id, user_id)),
        "first_seen_at": isoformat(row.first_seen_at),
        "last_seen_at": isoformat(row.last_seen_at),
    }


def describe_company(conn: Connection, workspace_id: int, company_id: str) -> dict[str, Any]:
    """A company as the server API shows it."""
    row = conn.one(COMPANY_ROW, {"workspace_id": workspace_id, "id": company_id})
    if row is None:
        raise NotFound("company")
    return {
        "id": company_id,
        "traits": row.traits,
        "created_at": isoformat(row.created_at),
        "updated_at": isoformat(row.updated_at),
    }


def put_user(
    conn: Connection,
    workspace_id: int,
    user_id: str,
    traits: dict[str, Any] | None,
    locale: str | None,
    company_ids: list[str],
) -> tuple[dict[str, Any], bool]:
    """Create or update a user described by the host backend (traits merge, companies
    joined); returns the user as the API shows it and whether it was created."""
    created = read_user(conn, workspace_id, user_id) is None
    upsert_user(conn, workspace_id, user_id, traits, locale, seen=False)
    now = utcnow()
    for company_id in company_ids:
        upsert_company(conn, workspace_id, company_id, None)
        run_statements(conn, [membership_insert(workspace_id, user_id, company_id, now)])
    return describe_user(conn, workspace_id, user_id), created


def put_company(
    conn: Connection, workspace_id: int, company_id: str, traits: dict[str, Any] | None
) -> tuple[dict[str, Any], bool]:
    created = read_company_traits(conn, workspace_id, company_id) is None
    upsert_company(conn, workspace_id, company_id, traits)
    return describe_company(conn, workspace_id, company_id), created


# Users, companies and memberships met in event batches ------------------------------------

_user = end_user.c
_new_user = (
    insert(end_user)
    .values(
        workspace_id=bindparam("workspace_id"),
        external_id=bindparam("user_id"),
        traits=stored_value("traits"),
        first_seen_at=stored_value("first"),
        last_seen_at=stored_value("last"),
        progress_rev=bindparam("progress_rev"),
    )
    # The database gives the key (`user_key`); SQLAlchemy would return it, a row per user.
    .inline()
)
_UPSERT_USER = _new_user.on_conflict_do_update(
    index_elements=["workspace_id", "external_id"],
    set_={
        "first_seen_at": earliest(end_user.c.first_seen_at, _new_user.excluded.first_seen_at),
        "last_seen_at": latest(end_user.c.last_seen_at, _new_user.excluded.last_seen_at),
        "progress_rev": end_user.c.progress_rev + _new_user.excluded.progress_rev,
    },
    # Rows the batch does not change are not rewritten.
    where=or_(
        _new_user.excluded.first_seen_at < _user.first_seen_at,
        _new_user.excluded.last_seen_at > _user.last_seen_at,
        _new_user.excluded.progress_rev > literal_column("0"),
    ),
)
_INSERT_COMPANY = (
    insert(company)
    .values(
        workspace_id=bindparam("workspace_id"),
        external_id=bindparam("company_id"),
        traits=stored_value("traits"),
        created_at=stored_value("at"),
        updated_at=stored_value("at"),
    )
    .on_conflict_do_nothing()
)


_ADD_USER = _new_user.on_conflict_do_nothing()


def record_users(
    conn: Connection, workspace_id: int, rows: list[dict[str, Any]], known: KnownRows
) -> list[Hashable]:
    """The batch's users not known to exist, stored if absent (with the first and last times
    of their rows): an event is keyed by its user's key, so the users go in before the
    events. Users already stored are left alone, so a retried batch changes nothing
    (`record_seen` moves their times, from the new events only). Returns the users met, as
    `KnownRows` keys."""
    users: dict[str, tuple[Any, Any]] = {}
    for row in rows:
        if ("user", workspace_id, row["user_id"]) in known:
            continue
        at = row["db_timestamp"]
        first, last = users.get(row["user_id"], (at, at))
        users[row["user_id"]] = (min(first, at), max(last, at))
    no_traits = conn.stored_json({})
    # Sorted so that concurrent batches lock rows in the same order (no deadlocks on PostgreSQL).
    conn.many(
        _ADD_USER,
        [
            {
                "workspace_id": workspace_id,
                "user_id": user_id,
                "traits": no_traits,
                "first": first,
                "last": last,
                "progress_rev": 0,
            }
            for user_id, (first, last) in sorted(users.items())
        ],
    )
    return [("user", workspace_id, user_id) for user_id in users]


def record_seen(
    conn: Connection,
    workspace_id: int,
    rows: list[dict[str, Any]],
    now: datetime,
    known: KnownRows,
    progress_changed: set[str],
) -> list[Hashable]:
    """Users' first and last seen times, and `progress_rev` moved on for the users in
    `progress_changed`; companies and memberships inserted when absent, unless already known
    to exist. Returns the company and membership keys met."""
    users: dict[str, tuple[Any, Any]] = {}
    memberships: set[tuple[str, str]] = set()
    for row in rows:
        at = row["db_timestamp"]
        first, last = users.get(row["user_id"], (at, at))
        users[row["user_id"]] = (min(first, at), max(last, at))
        if row["company_id"] is not None:
            memberships.add((row["user_id"], row["company_id"]))
    no_traits = conn.stored_json({})
    # Sorted so that concurrent batches lock rows in the same order (no deadlocks on PostgreSQL).
    conn.many(
        _UPSERT_USER,
        [
            {
                "workspace_id": workspace_id,
                "user_id": user_id,
                "traits": no_traits,
                "first": first,
                "last": last,
                "progress_rev": int(user_id in progress_changed),
            }
            for user_id, (first, last) in sorted(users.items())
        ],
    )
    companies = {("company", workspace_id, company) for _, company in memberships}
    members = {("member", workspace_id, user, company) for user, company in memberships}
    new_companies = sorted(key for key in companies if key not in known)
    new_members = sorted(key for key in members if key not in known)
    created = conn.stored_time(now)
    conn.many(
        _INSERT_COMPANY,
        [
            {
                "workspace_id": workspace_id,
                "company_id": company,
                "traits": no_traits,
                "at": created,
            }
            for _, _, company in new_companies
        ],
    )
    conn.many(
        INSERT_MEMBERSHIP,
        [
            {"workspace_id": workspace_id, "user_id": user, "company_id": company, "at": created}
            for _, _, user, company in new_members
        ],
    )
    return [*new_companies, *new_members]
